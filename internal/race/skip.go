package race

// SkipAllocs is the reason an allocation test gives when it skips under
// the detector.
const SkipAllocs = "allocation counts are not meaningful under -race: sync.Pool drops items at random"
