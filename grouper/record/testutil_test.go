package record

import (
	"bytes"
	"compress/gzip"
	"flag"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/medpay/drg/internal/compressio"
)

// update regenerates generated testdata files.
var update = flag.Bool("update", false, "regenerate testdata files")

// encodeGB18030 encodes UTF-8 text as GB18030 (a superset of GBK; the
// characters in the test files encode the same in both).
func encodeGB18030(utf8 []byte) ([]byte, error) {
	return simplifiedchinese.GB18030.NewEncoder().Bytes(utf8)
}

// zstdBytes compresses b as one zstd stream.
func zstdBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var packed bytes.Buffer
	zw, err := compressio.NewZstdWriter(&packed)
	require.NoError(t, err)
	_, err = zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return packed.Bytes()
}

// gzipBytes compresses b as one gzip member.
func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var packed bytes.Buffer
	zw := gzip.NewWriter(&packed)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return packed.Bytes()
}
