package idset

import "math/bits"

// hashID returns the 64-bit hash of an id that a Set stores. It is
// deterministic (the same ids collide, or not, on every run), reads 8 bytes
// per step and does not allocate. The mixing follows the folded-multiply
// design of wyhash.
func hashID(s string) uint64 {
	const (
		k0 = 0xa0761d6478bd642f
		k1 = 0xe7037ed1a0b428db
		k2 = 0x8ebc6af09c88c6e3
		k3 = 0x589965cc75374cc3
	)
	h := uint64(len(s)) ^ k0
	for len(s) >= 8 {
		v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = mix(v^k1, h^k2)
		s = s[8:]
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		v |= uint64(s[i]) << (8 * i)
	}
	h = mix(v^k3, h^k1)
	return mix(h^k0, k2)
}

// mix multiplies a and b to 128 bits and folds the halves together.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
