package grouper

// DIPCatalogue is a DIP (病种分值) catalogue: core groups, comprehensive
// groups and the auxiliary severity levels.
type DIPCatalogue struct {
	Core          []DIPCoreGroup
	Comprehensive []DIPComprehensiveGroup
}

// DIPCoreGroup is a core group (核心病种): a diagnosis subcategory and a sorted
// set of listed procedures (none for conservative treatment).
type DIPCoreGroup struct {
	Code       string
	Dx         string   // 4-character subcategory, e.g. K80.1 (or a 3-character category)
	Procedures []string // sorted, de-duplicated; empty = conservative treatment
	Score      float64
	Name       string
	Line       int
}

// DIPComprehensiveGroup is a comprehensive group (综合病种): a 3-character
// category and a procedure class.
type DIPComprehensiveGroup struct {
	Code     string
	Category string // 3-character category, e.g. K80
	Class    string // conservative, diagnostic, therapeutic, surgical
	Score    float64
	Name     string
	Line     int
}
