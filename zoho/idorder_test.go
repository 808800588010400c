package zoho

import "testing"

func TestIDAfter(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"4876876000002576546", "4876876000002576545", true},
		{"4876876000002576545", "4876876000002576545", false},
		{"4876876000002576545", "999999999999999999", true}, // 19 digits after 18: as numbers
		{"999999999999999999", "4876876000002576545", false},
		{"b", "a", true}, {"a10", "a9", false}, // text: as text
	} {
		if got := idAfter(c.a, c.b); got != c.want {
			t.Errorf("idAfter(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
