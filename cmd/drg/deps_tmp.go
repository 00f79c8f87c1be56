package main
import (
 _ "github.com/RoaringBitmap/roaring/v2"
 _ "github.com/dgraph-io/badger/v4"
 _ "github.com/klauspost/compress/zstd"
 _ "github.com/stretchr/testify/require"
 _ "golang.org/x/text/encoding/simplifiedchinese"
)
func main(){}
