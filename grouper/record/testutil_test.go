package record

import (
	"flag"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// update regenerates generated testdata files.
var update = flag.Bool("update", false, "regenerate testdata files")

// encodeGB18030 encodes UTF-8 text as GB18030 (a superset of GBK; the
// characters in the test files encode the same in both).
func encodeGB18030(utf8 []byte) ([]byte, error) {
	return simplifiedchinese.GB18030.NewEncoder().Bytes(utf8)
}
