package codes_test

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/medpay/drg/codes"
)

func ExampleNormalize() {
	for _, raw := range []string{
		" k80.000X004 ",
		"ｋ８０．０",
		"K80000x004",
		"a33.X00",
		"E10.200X028 + n08.3*",
	} {
		code, err := codes.Normalize(codes.SystemDiagnosis, raw)
		fmt.Printf("%q -> %s %v\n", raw, code, err)
	}
	proc, _ := codes.Normalize(codes.SystemProcedure, "00.5500X008")
	fmt.Println(proc)
	tcm, _ := codes.Normalize(codes.SystemTCMDisease, "ａ０７．０１．０１")
	fmt.Println(tcm)
	// Output:
	// " k80.000X004 " -> K80.000x004 <nil>
	// "ｋ８０．０" -> K80.0 <nil>
	// "K80000x004" -> K80.000x004 <nil>
	// "a33.X00" -> A33.x00 <nil>
	// "E10.200X028 + n08.3*" -> E10.200x028+N08.3* <nil>
	// 00.5500x008
	// A07.01.01
}

func ExampleNormalize_errors() {
	for _, raw := range []string{"\u3000", "K80-000", "K80.000x04", "E10.200x028+N08.3"} {
		_, err := codes.Normalize(codes.SystemDiagnosis, raw)
		var ce *codes.CodeError
		if errors.As(err, &ce) {
			fmt.Printf("%v (empty=%v character=%v format=%v)\n", err,
				errors.Is(err, codes.ErrEmpty), errors.Is(err, codes.ErrCharacter), errors.Is(err, codes.ErrFormat))
		}
	}
	// Output:
	// invalid diagnosis code "\u3000": blank (empty=true character=false format=false)
	// invalid diagnosis code "K80-000": character '-' at byte 3 (empty=false character=true format=false)
	// invalid diagnosis code "K80.000x04": extension must be x and three digits (empty=false character=false format=true)
	// invalid diagnosis code "E10.200x028+N08.3": the second code of a dagger/asterisk pair must end with '*' (empty=false character=false format=true)
}

func ExampleDiagnosis() {
	dx, err := codes.Diagnosis("k80000X004").Normalize()
	if err != nil {
		panic(err)
	}
	fmt.Println(dx, dx.Subcategory(), dx.Category())
	// Output:
	// K80.000x004 K80.0 K80
}

func ExampleDict() {
	// A rule names the subcategory K80.0 and the category E10.
	d := codes.NewDict(codes.SystemDiagnosis)
	for _, c := range []string{"K80.0", "E10", "I63.900"} {
		fmt.Println(c, d.Intern(c))
	}
	for _, c := range []string{"I63.900", "K80.000x004", "E10.200x028+N08.3*", "J18.900"} {
		id, exact, ok := d.LookupDiagnosis(c)
		fmt.Printf("%s -> id %d %q exact=%v ok=%v\n", c, id, d.Code(id), exact, ok)
	}
	// Output:
	// K80.0 1
	// E10 2
	// I63.900 3
	// I63.900 -> id 3 "I63.900" exact=true ok=true
	// K80.000x004 -> id 1 "K80.0" exact=false ok=true
	// E10.200x028+N08.3* -> id 2 "E10" exact=false ok=true
	// J18.900 -> id 0 "" exact=false ok=false
}

func ExampleTCMMap_Map() {
	m := codes.DefaultTCMMap()
	for _, q := range [][2]string{
		{"A07.01.01", "B04.02.03"}, // 中风病, listed syndrome
		{"A07.01.01", "B07.02.01"}, // unlisted syndrome: the default row
		{"A07.01.01", ""},          // no syndrome: the default row
		{"A99.01.01", ""},          // not in the table
	} {
		if row, ok := m.Map(q[0], q[1]); ok {
			fmt.Printf("%s %s -> %s (line %d)\n", q[0], q[1], row.Western, row.Line)
		} else {
			fmt.Printf("%s %s -> no mapping\n", q[0], q[1])
		}
	}
	// Output:
	// A07.01.01 B04.02.03 -> I61.900 (line 8)
	// A07.01.01 B07.02.01 -> I63.900 (line 6)
	// A07.01.01  -> I63.900 (line 6)
	// A99.01.01  -> no mapping
}

func ExampleParseTCMMap() {
	const table = `# local table
tcm_disease,tcm_syndrome,western_dx,note
a06.09,,E11900,消渴病
A06.09,B02.03.05,E11.900x001,
`
	m, err := codes.ParseTCMMap(strings.NewReader(table))
	if err != nil {
		panic(err)
	}
	if err := m.WriteCSV(os.Stdout); err != nil {
		panic(err)
	}
	_, err = codes.ParseTCMMap(strings.NewReader("tcm_disease,tcm_syndrome,western_dx\nA06.09,,E11-900\n"))
	fmt.Println(err)
	// Output:
	// tcm_disease,tcm_syndrome,western_dx,note
	// A06.09,,E11.900,消渴病
	// A06.09,B02.03.05,E11.900x001,
	// tcm map: line 2: column western_dx: invalid diagnosis code "E11-900": character '-' at byte 3
}
