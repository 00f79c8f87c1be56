package main

import (
	"io"

	"github.com/medpay/drg/grouper/record"
)

// createFile creates an output file (.zst compressed when so named) and
// returns it with the function that flushes and closes it.
func createFile(path string) (io.Writer, func() error, error) {
	w, err := record.CreateFile(path)
	if err != nil {
		return nil, nil, err
	}
	return w, w.Close, nil
}
