// Package compressio is the engine's only user of the klauspost compress
// library: it wraps streaming zstd and gzip for record files (`.zst`,
// `.gz`) and one-shot zstd compression of small blobs (store values, cached
// tables), so that no other package imports the library and replacing it
// touches this package alone.
//
// Streams (each reader also reads several frames or members one after
// another, as concatenated files hold):
//
//	zr, err := compressio.NewZstdReader(f) // or NewGzipReader: decompress f
//	...
//	defer zr.Close()                       // releases the decoder; f stays open
//
//	zw, err := compressio.NewZstdWriter(f) // or NewGzipWriter(f): compress into f
//	...
//	err = zw.Close()                       // ends the stream; f stays open
//
// Blobs, with package-level codecs shared by all goroutines:
//
//	packed := compressio.EncodeZstd(nil, data)
//	data, err := compressio.DecodeZstd(packed)
//
// Zstd decoding limits memory (MaxWindow, MaxBlobSize) because compressed
// input may come from outside. Errors from constructors and DecodeZstd
// start with "compressio: ".
//
// Layer: machinery, the bottom layer: it imports nothing of this module,
// and it is the only package that imports klauspost/compress.
package compressio
