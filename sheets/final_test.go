package sheets

import (
	"fmt"
	"strings"
	"testing"
)

// eachFinal walks the tab as the write leaves it: kept rows moved up past
// the removed ones, then the new rows, from any row on.
func TestPlanEachFinal(t *testing.T) {
	walk := func(p *plan, from int) string {
		var b strings.Builder
		p.eachFinal(from, func(r int, k string) { fmt.Fprintf(&b, "%d=%s ", r, k) })
		return b.String()
	}
	keyOf := func(r int) string { return fmt.Sprint("k", r) }
	adds := []plannedRow{{row: 4, key: "n1"}, {row: 5, key: "n2"}}
	p := &plan{keyOf: keyOf, readRows: 6, deleteRows: []int{2, 4},
		rows: append([]plannedRow{{row: 1, key: "k1"}}, adds...), nUpdates: 1}
	for from, want := range map[int]string{
		0: "1=k1 2=k3 3=k5 4=n1 5=n2 ",
		3: "3=k5 4=n1 5=n2 ",
		5: "5=n2 ",
		6: "",
	} {
		if got := walk(p, from); got != want {
			t.Errorf("with rows removed, from %d: %q, want %q", from, got, want)
		}
	}
	p = &plan{keyOf: func(r int) string { t.Fatalf("key of kept row %d made for new rows only", r); return "" },
		readRows: 4, rows: []plannedRow{{row: 4, key: "n1"}}}
	if got := walk(p, 4); got != "4=n1 " {
		t.Errorf("new rows only: %q", got)
	}
}
