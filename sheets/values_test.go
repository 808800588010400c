package sheets

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func TestColName(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 701: "ZZ", 702: "AAA", 18277: "ZZZ"} {
		if got := colName(i); got != want {
			t.Errorf("colName(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestA1(t *testing.T) {
	cases := map[string]string{
		a1Cell("Leads", 0, 0):             "'Leads'!A1",
		a1Cell("Q1", 4, 27):               "'Q1'!AB5",
		a1Block("Jon's Data", 1, 0, 9, 2): "'Jon''s Data'!A2:C10",
		a1Column("My Sheet", 2):           "'My Sheet'!C:C",
		a1Row("T", 0):                     "'T'!1:1",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestParseSpreadsheetID(t *testing.T) {
	for in, want := range map[string]string{
		"1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms":                            "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",
		"https://docs.google.com/spreadsheets/d/1BxiMVs0XRA5nFMd-_/edit#gid=0":    "1BxiMVs0XRA5nFMd-_",
		" https://docs.google.com/spreadsheets/u/1/d/abcDEF123/edit?usp=sharing ": "abcDEF123",
	} {
		got, err := ParseSpreadsheetID(in)
		if err != nil || got != want {
			t.Errorf("ParseSpreadsheetID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a b", "https://docs.google.com/document/d/x/edit", "id;drop"} {
		if _, err := ParseSpreadsheetID(bad); err == nil {
			t.Errorf("ParseSpreadsheetID(%q): no error", bad)
		}
	}
}

func TestWireValue(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	cases := []struct {
		name string
		cell zsync.Cell
		want any
	}{
		{"Formula", zsync.Text("=IMPORTDATA(\"https://evil/\")"), "=IMPORTDATA(\"https://evil/\")"},
		{"LongID", zsync.Text("4150868000000224005"), "4150868000000224005"},
		{"Number", zsync.Number(1200.5), 1200.5},
		{"Bool", zsync.Bool(true), true},
		{"Empty", zsync.Cell{}, ""},
		{"Date", zsync.DateCell(zsync.Date{Year: 2024, Month: 1, Day: 15}), 45306.0},
		{"Epoch", zsync.DateCell(zsync.Date{Year: 1899, Month: 12, Day: 30}), 0.0},
		// 09:30 UTC is 10:30 in Berlin in winter: 45306 + 10.5/24
		{"DateTime", zsync.DateTime(time.Date(2024, 1, 15, 9, 30, 0, 0, time.UTC)), 45306.4375},
		{"DateTimeSummer", zsync.DateTime(time.Date(2024, 7, 1, 22, 0, 0, 0, time.UTC)), 45475.0}, // midnight of 2 July in Berlin,
	}
	for _, tc := range cases {
		got, cut := wireValue(tc.cell, berlin)
		if cut {
			t.Errorf("%s: truncated", tc.name)
		}
		if f, ok := got.(float64); ok {
			if w := tc.want.(float64); f < w-1e-9 || f > w+1e-9 {
				t.Errorf("%s: %v, want %v", tc.name, f, w)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s: %#v, want %#v", tc.name, got, tc.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("é", MaxCellChars+10)
	v, cut := wireValue(zsync.Text(long), time.UTC)
	s := v.(string)
	if !cut || utf8.RuneCountInString(s) != MaxCellChars || !strings.HasSuffix(s, TruncatedMarker) || !utf8.ValidString(s) {
		t.Errorf("cut %v, %d runes, suffix %q", cut, utf8.RuneCountInString(s), s[len(s)-20:])
	}
	exact := strings.Repeat("x", MaxCellChars)
	if v, cut := wireValue(zsync.Text(exact), time.UTC); cut || v != exact {
		t.Error("text of exactly the limit was cut")
	}
}

func TestSameValue(t *testing.T) {
	cases := []struct {
		want any
		kind zsync.Kind
		have any
		same bool
	}{
		{"a", zsync.KindText, "a", true},
		{"", zsync.KindEmpty, nil, true},
		{"", zsync.KindEmpty, "", true},
		{"", zsync.KindEmpty, 0.0, false},
		{"123", zsync.KindText, 123.0, false}, // a human typed the id as a number: rewrite as text
		{0.1 + 0.2, zsync.KindNumber, 0.3, true},
		{1e15 + 1, zsync.KindNumber, 1e15, false},
		{1.0, zsync.KindNumber, 1.001, false},
		{true, zsync.KindBool, true, true},
		{true, zsync.KindBool, "TRUE", false},
		{45306.4375, zsync.KindDateTime, 45306.4375 + 0.2/86400, true},
		{45306.4375, zsync.KindDateTime, 45306.4375 + 2.0/86400, false},
		{45306.0, zsync.KindDate, 45307.0, false},
	}
	for _, tc := range cases {
		if got := sameValue(tc.want, tc.kind, tc.have); got != tc.same {
			t.Errorf("sameValue(%#v, %v, %#v) = %v", tc.want, tc.kind, tc.have, got)
		}
	}
}

func TestLoadZone(t *testing.T) {
	l, err := loadZone("GMT-07:00")
	if err != nil {
		t.Fatal(err)
	}
	if _, off := time.Date(2024, 1, 1, 0, 0, 0, 0, l).Zone(); off != -7*3600 {
		t.Errorf("offset %d", off)
	}
	if _, err := loadZone("Nowhere/City"); err == nil {
		t.Error("no error for an unknown zone")
	}
}
