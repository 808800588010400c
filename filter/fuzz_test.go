package filter_test

import (
	"reflect"
	"testing"

	"github.com/zoho2sheets/zoho2sheets/filter"
)

// FuzzParseFormat: no input makes Parse panic, and whatever parses formats
// to text that parses to the same condition (positions aside), whose
// format is the same text.
func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{
		"Stage not in ('Closed Won', 'Closed Lost') and Amount >= 10000",
		"Created_Time >= today - 90d and Country in ('DE','FR') or x is not null",
		"(a = 1 or b != -2.5) and c between start_of_quarter and end_of_quarter + 1mo",
		"Deal_Name like '%O\\'Brien%' and d not like 'x''y%' and e not between 1 and 2",
		"Account_Name.Industry = 'Retail' and Contact_Name.Account_Name.Account_Name is null",
		"h = true or h = FALSE and n <= now - 90min",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := filter.Parse(src)
		if err != nil {
			return
		}
		out := filter.Format(n)
		n2, err := filter.Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its format %q does not parse: %v", src, out, err)
		}
		if !reflect.DeepEqual(strip(n), strip(n2)) {
			t.Fatalf("%q and its format %q parse differently", src, out)
		}
		if again := filter.Format(n2); again != out {
			t.Fatalf("format not stable: %q then %q", out, again)
		}
	})
}

// strip clears positions so that trees can be compared.
func strip(n filter.Node) filter.Node {
	switch x := n.(type) {
	case *filter.Logic:
		return &filter.Logic{Or: x.Or, L: strip(x.L), R: strip(x.R)}
	case *filter.Cond:
		c := &filter.Cond{Field: x.Field, Op: x.Op}
		for _, a := range x.Args {
			a.At = filter.Pos{}
			c.Args = append(c.Args, a)
		}
		return c
	}
	return n
}
