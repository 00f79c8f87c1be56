// Package zstdio is the engine's only user of the klauspost zstd library: it
// wraps streaming compression for record files (`.zst`) and one-shot
// compression of small blobs (store values, cached tables).
//
// Streams:
//
//	zr, err := zstdio.NewReader(f) // decompress f
//	...
//	defer zr.Close()               // releases the decoder's goroutines and buffers
//
//	zw, err := zstdio.NewWriter(f) // compress into f
//	...
//	err = zw.Close()               // ends the frame; f stays open
//
// Blobs, with package-level codecs shared by all goroutines:
//
//	packed := zstdio.Encode(nil, data)
//	data, err := zstdio.Decode(packed)
//
// Decoding limits memory (MaxWindow, MaxBlobSize) because compressed input
// may come from outside.
package zstdio
