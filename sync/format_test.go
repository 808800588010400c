package sync_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func intp(n int) *int { return &n }

func TestColumnFormatsFromFieldMetadata(t *testing.T) {
	fields := []zsync.Field{
		{APIName: "Amount", DataType: "currency", JSONType: "double", Decimals: intp(2)},
		{APIName: "Yen", DataType: "currency", JSONType: "double", Decimals: intp(0)},
		{APIName: "Probability", DataType: "percent", JSONType: "double", Decimals: intp(1)},
		{APIName: "Employees", DataType: "integer", JSONType: "integer"},
		{APIName: "Ratio", DataType: "double", JSONType: "double", Decimals: intp(4)},
		{APIName: "Closing", DataType: "date", JSONType: "string"},
		{APIName: "Name", DataType: "text", JSONType: "string"},
		{APIName: "Ref", DataType: "double", JSONType: "double"},
	}
	specs := []zsync.ColumnSpec{
		{Header: "Id", Field: "id"}, {Header: "Amount", Field: "Amount"}, {Header: "Yen", Field: "Yen"},
		{Header: "Prob", Field: "Probability"}, {Header: "Employees", Field: "Employees"},
		{Header: "Ratio", Field: "Ratio"}, {Header: "Closing", Field: "Closing"},
		{Header: "Name", Field: "Name", Link: true}, {Header: "Ref", Field: "Ref", Type: "text"},
		{Header: "Custom", Field: "Ratio", Format: "0.0###"},
	}
	formats := func(org zsync.Org) []string {
		m, err := zsync.NewMapper(specs, fields)
		if err != nil {
			t.Fatal(err)
		}
		m.UseOrg(org)
		var out []string
		for _, c := range m.Columns() {
			out = append(out, c.Format.String())
		}
		return out
	}
	want := []string{"", `CURRENCY "€"#,##0.00`, `CURRENCY "€"#,##0`, `NUMBER 0.0"%"`, "NUMBER #,##0",
		"NUMBER #,##0.0000", "", "", "", "NUMBER 0.0###"}
	if d := cmp.Diff(want, formats(zsync.Org{CurrencyCode: "EUR", CurrencySymbol: "€"})); d != "" {
		t.Errorf("formats (-want +got):\n%s", d)
	}
	// An org without a symbol: the ISO code; an unknown currency: no opinion.
	if got := formats(zsync.Org{CurrencyCode: "CHF"})[1]; got != `CURRENCY #,##0.00 "CHF"` {
		t.Errorf("ISO code only: %s", got)
	}
	if got := formats(zsync.Org{})[1]; got != "" {
		t.Errorf("unknown currency: %q", got)
	}
}

func TestLinkColumnsCarryRecordURLs(t *testing.T) {
	m, err := zsync.NewMapper([]zsync.ColumnSpec{{Header: "Id", Field: "id"}, {Header: "Name", Field: "Name", Link: true}},
		[]zsync.Field{{APIName: "Name", DataType: "text"}})
	if err != nil {
		t.Fatal(err)
	}
	r := m.Row(zsync.Record{ID: "42", Fields: map[string]zsync.Value{"Name": "=cmd|' /C calc'!A0"}})
	if r.Cells[1].Link != "" {
		t.Fatalf("a link without UseLinks: %+v", r.Cells[1])
	}
	m.UseLinks(func(id string) string { return "https://crm.zoho.eu/crm/org1/tab/Leads/" + id })
	r = m.Row(zsync.Record{ID: "42", Fields: map[string]zsync.Value{"Name": "=cmd|' /C calc'!A0"}})
	if r.Cells[1].Link != "https://crm.zoho.eu/crm/org1/tab/Leads/42" || r.Cells[1].Kind != zsync.KindText || r.Cells[0].Link != "" {
		t.Fatalf("cells %+v", r.Cells)
	}
}

func TestCheckNumberFormat(t *testing.T) {
	for _, ok := range []string{"#,##0.00", `"€"#,##0.00`, "0.0%", "yyyy-mm-dd hh:mm", `[Red]-#,##0;#,##0`, `0.00\ "kg"`, "@"} {
		if err := zsync.CheckNumberFormat(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for bad, msg := range map[string]string{"": "empty", "  ": "empty", `"€#,##0`: "unclosed", "[Red#,##0": "unclosed [",
		"0;0;0;0;0": "sections", "abc": "placeholder", "0]": "closes no", "0\t0": "control"} {
		err := zsync.CheckNumberFormat(bad)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: %v, want %q", bad, err, msg)
		}
	}
	// A bad format key is a mapping error naming the column.
	_, err := zsync.NewMapper([]zsync.ColumnSpec{{Header: "Id", Field: "id"}, {Header: "Amount", Field: "Amount", Format: `"$`}},
		[]zsync.Field{{APIName: "Amount", DataType: "currency"}})
	if err == nil || !strings.Contains(err.Error(), `"Amount"`) || !strings.Contains(err.Error(), "unclosed") {
		t.Fatalf("err = %v", err)
	}
}
