package store_test

import (
	"fmt"
	"log"
	"os"

	"github.com/medpay/drg/grouper"
	"github.com/medpay/drg/grouper/store"
)

func Example() {
	dir, err := os.MkdirTemp("", "drg-store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// Import: a read-write opener adds revisions.
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	rs, err := grouper.Sample()
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		info, err := st.Put(rs)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("imported", info.Ref())
	}
	if err := st.Close(); err != nil {
		log.Fatal(err)
	}

	// Batch job: read-only openers may run side by side.
	st, err = store.Open(dir, store.Options{ReadOnly: true})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	got, info, err := st.Get("sample") // the latest revision
	if err != nil {
		log.Fatal(err)
	}
	if _, err := grouper.Compile(got); err != nil {
		log.Fatal(err)
	}
	fmt.Println("loaded", info.Ref())

	_, _, err = st.Get("sample@3")
	fmt.Println(err)
	// Output:
	// imported sample@1
	// imported sample@2
	// loaded sample@2
	// get sample@3: store: rule set not found
}
