package sheetstest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseA1(t *testing.T) {
	cases := []struct {
		in               string
		ok               bool
		sheet            string
		r0, c0, r1, c1   int
		wholeGrid, anchr bool
	}{
		{"Sheet1!A1:B2", true, "Sheet1", 0, 0, 2, 2, false, false},
		{"'My Sheet'!A:A", true, "My Sheet", 0, 0, -1, 1, false, false},
		{"'Jon''s Data'", true, "Jon's Data", 0, 0, 0, 0, true, false},
		{"Leads!A5:A", true, "Leads", 4, 0, -1, 1, false, false},
		{"Leads!1:2", true, "Leads", 0, 0, 2, -1, false, false},
		{"B2:A1", true, "", 0, 0, 2, 2, false, false},
		{"A5", true, "", 4, 0, 5, 1, false, true},
		{"Leads", true, "Leads", 0, 0, 0, 0, true, false},
		{"ZZZ1", true, "", 0, 18277, 1, 18278, false, true},
		{"AAAA1", true, "AAAA1", 0, 0, 0, 0, true, false}, // not a cell: a sheet title
		{"Leads!A0", false, "", 0, 0, 0, 0, false, false},
		{"'unterminated", false, "", 0, 0, 0, 0, false, false},
		{"!A1", false, "", 0, 0, 0, 0, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			r, ok := parseA1(tc.in)
			if ok != tc.ok {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			if r.sheet != tc.sheet || r.wholeGrid != tc.wholeGrid || r.single != tc.anchr ||
				!tc.wholeGrid && (r.r0 != tc.r0 || r.c0 != tc.c0 || r.r1 != tc.r1 || r.c1 != tc.c1) {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

func TestQuoteTitleAndColumns(t *testing.T) {
	for title, want := range map[string]string{"Leads": "Leads", "Sheet1": "Sheet1", "My Sheet": "'My Sheet'",
		"Jon's": "'Jon''s'", "CRM26": "'CRM26'", "A1": "'A1'", "Q": "'Q'", "1x": "'1x'", "Déals": "'Déals'"} {
		if got := quoteTitle(title); got != want {
			t.Errorf("quoteTitle(%q) = %q, want %q", title, got, want)
		}
	}
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 701: "ZZ", 702: "AAA", 18277: "ZZZ"} {
		if got := colName(i); got != want {
			t.Errorf("colName(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestFieldMask(t *testing.T) {
	m, err := parseMask("properties(title,locale),sheets(properties(sheetId,gridProperties.rowCount)),spreadsheetId")
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]any{"spreadsheetId": "x", "spreadsheetUrl": "u",
		"properties": map[string]any{"title": "CRM", "locale": "en_US", "timeZone": "UTC"},
		"sheets": []any{map[string]any{"properties": map[string]any{"sheetId": 0.0, "title": "S",
			"gridProperties": map[string]any{"rowCount": 5.0, "columnCount": 2.0}}}}}
	want := map[string]any{"spreadsheetId": "x", "properties": map[string]any{"title": "CRM", "locale": "en_US"},
		"sheets": []any{map[string]any{"properties": map[string]any{"sheetId": 0.0, "gridProperties": map[string]any{"rowCount": 5.0}}}}}
	if d := cmp.Diff(want, m.apply(in)); d != "" {
		t.Fatal(d)
	}
	for _, bad := range []string{"a(b", "a)", "a,,b", ""} {
		if _, err := parseMask(bad); err == nil {
			t.Errorf("parseMask(%q) accepted", bad)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	cases := []struct {
		n        float64
		typ, pat string
		want     string
	}{
		{1200.5, "", "", "1200.5"},
		{4150868000000224005, "", "", "4.15087E+18"},
		{0.1 + 0.2, "", "", "0.3"},
		{45306, "DATE", "yyyy-mm-dd", "2024-01-15"},
		{45306.4375, "DATE_TIME", "yyyy-mm-dd hh:mm", "2024-01-15 10:30"},
		{45306.4375, "DATE_TIME", "", "1/15/2024 10:30:00"},
		{45306.75, "TIME", "h:mm am/pm", "6:00 PM"},
		{45306, "DATE", "dddd, mmmm d, yyyy", "Monday, January 15, 2024"},
		{1234567.891, "NUMBER", "#,##0.00", "1,234,567.89"},
		{-1234.5, "CURRENCY", `"$"#,##0.00`, "-$1,234.50"},
		{0.125, "PERCENT", "0.0%", "12.5%"},
		{12345, "SCIENTIFIC", "0.00E+00", "1.23E+04"},
		{7, "NUMBER", "000", "007"},
		// A quoted or escaped % is literal text: no scaling by 100.
		{25, "NUMBER", `0.00"%"`, "25.00%"},
		{25, "NUMBER", `0\%`, "25%"},
		{12.5, "NUMBER", `0.0" pct"`, "12.5 pct"},
	}
	for _, tc := range cases {
		var f *numFmt
		if tc.typ != "" {
			f = &numFmt{tc.typ, tc.pat}
		}
		if got := formatNumber(tc.n, f); got != tc.want {
			t.Errorf("formatNumber(%v, %s %q) = %q, want %q", tc.n, tc.typ, tc.pat, got, tc.want)
		}
	}
}
