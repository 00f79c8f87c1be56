package report

// BlockBytes is blockBytes, for the external tests.
const BlockBytes = blockBytes
