package store

// Price lists are stored beside the rule sets, in their own key space
// ("pl/"), versioned the same way: each import of a name adds a revision,
// referred to as "name", "name@N" or "name@YYYY-MM-DD" (the latest in force
// that day). The store keeps a price list's files as they are (the weight
// table and the policy); package weights reads them. Badger stays the
// concern of this package alone.

// PutPrices stores files, a price list's, as the next revision of
// info.Name: info says what it is (Description, the rule set it prices in
// RuleSet, its period in ValidFrom and ValidTo); the returned Info is
// completed with the revision, import time and sizes.
func (s *Store) PutPrices(files map[string][]byte, info Info) (Info, error) {
	fail := func(err error) (Info, error) { return Info{}, &RefError{Op: "put prices", Ref: info.Name, Err: err} }
	if s.readOnly {
		return fail(ErrReadOnly)
	}
	if err := checkName(info.Name); err != nil {
		return fail(err)
	}
	for file := range files {
		if err := checkFile(file); err != nil {
			return fail(err)
		}
	}
	info, err := s.putFiles(priceLists, files, info)
	if err != nil {
		return fail(err)
	}
	return info, nil
}

// Prices returns the files of the price-list revision ref selects, checked
// against the checksums they were stored with.
func (s *Store) Prices(ref string) (map[string][]byte, Info, error) {
	files, info, err := s.loadIn(priceLists, ref)
	if err != nil {
		return nil, Info{}, &RefError{Op: "get prices", Ref: ref, Err: err}
	}
	return files, info, nil
}

// ListPrices returns every revision of every price list, sorted by name,
// then revision.
func (s *Store) ListPrices() ([]Info, error) { return s.listIn(priceLists) }
