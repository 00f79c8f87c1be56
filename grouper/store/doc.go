// Package store keeps versioned rule sets in a local Badger database. It is
// the engine's only user of Badger: the grouping hot path never touches it
// (Get once, grouper.Compile once, then group in memory).
//
// A rule set is stored as its table files (grouper.RuleSet.EncodeTables), so
// a stored revision is exactly what `drg import` read and what an export
// writes back; Get rebuilds the RuleSet with grouper.ReadTables. Each import
// of a name adds a revision 1, 2, 3 ...; the revisions of a name live side by
// side and are selected by a reference, "name" (the latest), "name@N", or
// "name@YYYY-MM-DD", the latest revision in force that day (each carries
// its period, grouper.RuleSet.Valid, in Info.ValidFrom and ValidTo;
// ForDate). LoadAll compiles every revision of a name, for a run that picks
// the revision in force on each record's discharge date ("name@date",
// IsByDate, LoadAllRef; batch.Options.Versions).
//
//	dir, err := store.DefaultDir() // $DRG_STORE, else e.g. ~/.local/share/drg/store
//	st, err := store.Open(dir, store.Options{})
//	defer st.Close()
//	info, err := st.Put(rs)                // info.Ref() == "chs-drg-1.1@1"
//
//	st, err := store.Open(dir, store.Options{ReadOnly: true}) // batch jobs
//	rs, info, err := st.Get("chs-drg-1.1") // or "chs-drg-1.1@1"
//	g, err := grouper.Compile(rs)
//
// # References
//
// GetRef and LoadRef find the rule set a command-line or configuration
// reference names, as `drg --rules` does: "" (the embedded sample), a
// directory of tables (RefOptions.ReadDir reads layouts other than the
// project's, such as package national's national extraction, which this
// package may not import), a stored "name" or "name@N", or "sample". A
// reference found nowhere is an error wrapping ErrNotFound, ending with
// RefOptions.Hint when the caller gives one (how to import it).
//
//	g, err := store.LoadRef(ctx, "chs-drg-1.1@2", store.RefOptions{Dir: dir})
//
// # Opening
//
// One read-write opener (imports, deletes) or any number of read-only
// openers (batch grouping) may hold a directory at a time; otherwise Open
// fails with ErrLocked, at once or, with Options.LockWait, after waiting
// that long for the other opener (a batch started beside an import then
// reads what the import committed). A batch job loads its rule set and
// closes the store before it groups, so that it holds the store for a
// fraction of a second. A read-only Open needs a store that was closed
// cleanly: after a writer was killed it fails with ErrUnclean until
// Recover (or any read-write Open) has replayed the writer's log.
// Badger's memory use is kept small (no block cache, 4 MB memtables, two
// compactors), as a store holds a few rule sets of a few MB.
//
// # Faults
//
// Badger memory-maps its files and runs goroutines of its own, where a
// panic or a memory fault kills the process. The store keeps Badger away
// from both:
//
//   - A full disk: Badger writes through memory maps, and a write that
//     finds no free block is a SIGBUS, not an error. A read-write Open, Put
//     and Delete first check that the file system has room for every file
//     Badger maps, at full size, plus the data (about 20 MB, space.go), and
//     fail with ErrNoSpace, having written nothing.
//   - A writer that died (of a full disk, or killed) leaves a memtable log,
//     sparse where it had not written; read through Badger's map on a full
//     tmpfs, a hole faults. A read-only Open refuses such a store with
//     ErrUnclean before Badger maps anything.
//   - Damage: before Badger opens them, every block and index checksum of
//     every table the MANIFEST lists is verified, and the MANIFEST must
//     parse to its end; Badger then verifies each block it reads and each
//     value it reads from the value log. A damaged store fails with
//     ErrCorrupt naming the store and what to do (another revision, a new
//     import, a backup), never with a panic, "not found" or a rule set that
//     differs. A panic or fault that still happens inside Badger on the
//     caller's goroutine is recovered (debug.SetPanicOnFault) into
//     ErrCorrupt, and the Store is not used again.
//
// # Key layout
//
//	format                          "1": the store format; Open refuses others
//	seq/<name>                      highest revision ever given to name, decimal
//	rs/<name>/<rev>/meta            Info as JSON, plus "checksums": the
//	                                CRC-32C of each table file by name
//	rs/<name>/<rev>/t/<file>        one table file, e.g. t/drg.tsv
//
// <rev> is the revision as 8 decimal digits (00000001), so that Badger's key
// order is revision order and the latest revision is found by one reverse
// seek. Names may not contain '/' or '@' (ErrInvalidRef), so the prefix
// rs/<name>/ selects exactly one name's keys. A revision's keys are written
// and deleted in one transaction; the counter makes revision numbers never
// reused after Delete.
//
// A table value is one codec byte and the payload: 1 = one zstd frame
// (package internal/compressio), 0 = the file as is, used when compression does
// not make it smaller (tiny tables such as ruleset.tsv). Tables are stored
// one key each rather than as one blob: per-table compression is as good
// (the national CHS-DRG 1.1 tables: 4.85 MB to 0.86 MB either way) and
// tables decompress in parallel on load; see BenchmarkLayout. Badger's own
// block compression is off. Values over 16 KiB go to Badger's value log, the
// rest into its LSM tree.
//
// Get, Load and Tables check a revision's tables against its checksums:
// a damaged value, or a damaged key that hides a table or adds one, is
// ErrCorrupt naming the table, never a rule set that silently differs.
// (Badger checks its own block checksums only on request, and a flipped
// byte in a small uncompressed table once changed a data check unnoticed;
// it now checks them, see Faults, and the table checksums stay, covering
// the value log too.) Revisions written before the checksums existed are
// loaded unchecked.
//
// Space of deleted revisions is reclaimed by Badger's compaction and value-
// log garbage collection, not at once.
//
// Layer: rule I/O, above the grouping core (it keeps what package grouper
// defines) and below pricing; the only package that imports Badger
// (internal/lint checks both).
package store
