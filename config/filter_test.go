package config_test

import (
	"strings"
	"testing"

	"github.com/zoho2sheets/zoho2sheets/config"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

const twoViews = `spreadsheet_id: abc
modules:
  - module: Deals
    sheet: Open pipeline
    filter: Stage not in ('Closed Won', 'Closed Lost') and Amount >= 10000
    columns: [{ header: Zoho ID, field: id }, { header: Industry, field: Account_Name.Industry }]
  - module: Deals
    sheet: Won this quarter
    filter: |
      Stage = 'Closed Won'
      and Closing_Date between start_of_quarter and end_of_quarter
      and Amont > 5
    columns: [{ header: Zoho ID, field: id }]
  - module: Deals
    columns: [{ header: Zoho ID, field: id }]
`

func TestOneModuleSeveralTabs(t *testing.T) {
	cfg := mustParse(t, twoViews, noEnv)
	if len(cfg.Modules) != 3 {
		t.Fatalf("%d entries, want 3", len(cfg.Modules))
	}
	for i, want := range []string{"Open pipeline", "Won this quarter", "Deals"} {
		if cfg.Modules[i].Module != "Deals" || cfg.Modules[i].Sheet != want {
			t.Errorf("entry %d: %s → %s, want Deals → %s", i, cfg.Modules[i].Module, cfg.Modules[i].Sheet, want)
		}
	}
	if f := cfg.Modules[0].Filter; f == nil || !strings.HasPrefix(f.String(), "Stage not in") {
		t.Errorf("filter of entry 0 = %v", f)
	}
	if cfg.Modules[2].Filter != nil {
		t.Errorf("entry without filter has %v", cfg.Modules[2].Filter)
	}
}

// TestLocateFilter: a field unknown to the live metadata is reported at the
// file's line of the mistake, inside a block filter too.
func TestLocateFilter(t *testing.T) {
	cfg := mustParse(t, twoViews, noEnv)
	schema := zsync.Schema{Module: "Deals", Fields: []zsync.Field{
		{APIName: "Stage", DataType: "picklist"}, {APIName: "Amount", DataType: "currency"},
		{APIName: "Closing_Date", DataType: "date"},
	}}
	_, err := cfg.Modules[1].Filter.Bind(schema)
	if err == nil {
		t.Fatal("Bind accepted an unknown field")
	}
	errs := config.ErrorList(cfg.LocateFilter(1, err))
	if len(errs) != 1 {
		t.Fatalf("want one error, got %v", err)
	}
	e := errs[0]
	if e.Where != "m.yaml:12" || e.Key != "modules[1].filter" || !strings.Contains(e.Msg, "filter line 3, column 5: Amont: no such field") ||
		!strings.Contains(e.Msg, "(module Deals)") || e.Hint != "did you mean Amount?" {
		t.Errorf("got %s | %s | %s | %s", e.Where, e.Key, e.Msg, e.Hint)
	}
	// One-line filter: the entry's line, the column within the filter.
	schema.Fields[1].DataType = "date"
	_, err = cfg.Modules[0].Filter.Bind(schema)
	errs = config.ErrorList(cfg.LocateFilter(0, err))
	if len(errs) != 1 || errs[0].Where != "m.yaml:5" || !strings.Contains(errs[0].Msg, "filter column 58: 10000 is not a date value for Amount") {
		t.Errorf("got %v", err)
	}
}

// TestFilterHashIsAYAMLComment: " #" in a plain filter starts a YAML
// comment, which cuts the filter short; the error says so and how to
// write it.
func TestFilterHashIsAYAMLComment(t *testing.T) {
	src := "spreadsheet_id: abc\nmodules:\n  - module: Deals\n    filter: Deal_Name = 'Deal #5'\n    columns: [{ header: Zoho ID, field: id }]\n"
	_, err := config.Parse([]byte(src), "m.yaml", noEnv)
	errs := config.ErrorList(err)
	if len(errs) != 1 || errs[0].Where != "m.yaml:4" || !strings.Contains(errs[0].Msg, "never closed") ||
		!strings.Contains(errs[0].Hint, "# starts a YAML comment") || !strings.Contains(errs[0].Hint, "filter: |") {
		t.Fatalf("got %v", err)
	}
	// In a block the # is text.
	src = strings.Replace(src, "filter: Deal_Name", "filter: |\n      Deal_Name", 1)
	if cfg := mustParse(t, src, noEnv); cfg.Modules[0].Filter.String() != "Deal_Name = 'Deal #5'" {
		t.Fatalf("block filter %q", cfg.Modules[0].Filter)
	}
}

// TestFoldedFilterMistakeAtItsLine: a folded block (filter: >) joins its
// lines with spaces; a mistake is still reported at the file's line where
// it is written.
func TestFoldedFilterMistakeAtItsLine(t *testing.T) {
	src := "spreadsheet_id: abc\nmodules:\n  - module: Deals\n    filter: >\n      Stage = 'Closed Won'\n      and Amount >= tody\n    columns: [{ header: Zoho ID, field: id }]\n"
	_, err := config.Parse([]byte(src), "m.yaml", noEnv)
	errs := config.ErrorList(err)
	if len(errs) != 1 || errs[0].Where != "m.yaml:6" || !strings.Contains(errs[0].Msg, "tody is not a value") {
		t.Fatalf("syntax mistake: %v", err)
	}
	src = strings.Replace(src, "tody", "5\n      and Amont > 1", 1)
	cfg := mustParse(t, src, noEnv)
	schema := zsync.Schema{Module: "Deals", Fields: []zsync.Field{{APIName: "Stage", DataType: "picklist"}, {APIName: "Amount", DataType: "currency"}}}
	_, err = cfg.Modules[0].Filter.Bind(schema)
	errs = config.ErrorList(cfg.LocateFilter(0, err))
	if len(errs) != 1 || errs[0].Where != "m.yaml:7" || !strings.Contains(errs[0].Msg, "Amont") {
		t.Fatalf("unknown field: %v", errs)
	}
}
