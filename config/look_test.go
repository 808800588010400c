package config_test

import (
	"strings"
	"testing"

	"github.com/zoho2sheets/zoho2sheets/config"
)

func TestColumnFormatAndLink(t *testing.T) {
	cfg := mustParse(t, `spreadsheet_id: abc
modules:
  - module: Deals
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Name, link: true }
      - { header: Amount, field: Amount, format: '"$"#,##0' }
`, noEnv)
	cols := cfg.Modules[0].Columns
	if !cols[1].Link || cols[2].Format != `"$"#,##0` || cols[2].Link || cols[0].Format != "" {
		t.Fatalf("columns %+v", cols)
	}
	if s := cfg.Modules[0].Specs(); !s[1].Link || s[2].Format != `"$"#,##0` {
		t.Fatalf("specs %+v", s)
	}
	for _, tt := range []struct{ name, col, where, key, msg string }{
		{"empty format", `{ header: Amount, field: Amount, format: "" }`, "m.yaml:6", "modules[0].columns[1].format", "empty number format"},
		{"null format", `{ header: Amount, field: Amount, format: }`, "m.yaml:6", "modules[0].columns[1].format", "empty number format"},
		{"unclosed quote", `{ header: Amount, field: Amount, format: '"€#,##0' }`, "m.yaml:6", "modules[0].columns[1].format", "unclosed"},
		{"no placeholder", `{ header: Amount, field: Amount, format: euro }`, "m.yaml:6", "modules[0].columns[1].format", "placeholder"},
		{"list", `{ header: Amount, field: Amount, format: [a] }`, "m.yaml:6", "modules[0].columns[1].format", "single value"},
		{"link not bool", `{ header: Deal, field: Deal_Name, link: maybe }`, "m.yaml:6", "modules[0].columns[1].link", "not true or false"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte("spreadsheet_id: abc\nmodules:\n  - module: Deals\n    columns:\n      - { header: Zoho ID, field: id }\n      - "+tt.col+"\n"), "m.yaml", noEnv)
			errs := config.ErrorList(err)
			if len(errs) != 1 {
				t.Fatalf("want one error, got %v", err)
			}
			if e := errs[0]; e.Where != tt.where || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) || e.Hint == "" {
				t.Fatalf("got %+v", e)
			}
		})
	}
}

func TestStatusTab(t *testing.T) {
	const mods = "modules:\n  - module: Leads\n    columns: [{ header: Zoho ID, field: id }]\n"
	for in, want := range map[string]string{"": "Sync status", "status_tab: true\n": "Sync status",
		"status_tab: false\n": "", "status_tab: \" Freshness \"\n": "Freshness",
		// yes/no/on/off mean what they mean for every other true/false key;
		// quoted, they are titles.
		"status_tab: off\n": "", "status_tab: No\n": "", "status_tab: yes\n": "Sync status", "status_tab: \"no\"\n": "no"} {
		if got := mustParse(t, "spreadsheet_id: abc\n"+in+mods, noEnv).StatusTab; got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	for in, msg := range map[string]string{
		"status_tab: \"\"\n":                             "empty tab title",
		"status_tab: leads\n":                            "also the tab of module Leads",
		"status_tab: [a]\n":                              "single value",
		"status_tab: " + strings.Repeat("x", 101) + "\n": "100",
	} {
		_, err := config.Parse([]byte("spreadsheet_id: abc\n"+in+mods), "m.yaml", noEnv)
		errs := config.ErrorList(err)
		if len(errs) != 1 || errs[0].Where != "m.yaml:2" || errs[0].Key != "status_tab" || !strings.Contains(errs[0].Msg, msg) || errs[0].Hint == "" {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestSnapshotKeys(t *testing.T) {
	cfg := mustParse(t, `spreadsheet_id: abc
modules:
  - module: Deals
    sheet: Pipeline
    columns: [{ header: Zoho ID, field: id }]
  - module: Deals
    sheet: Pipeline history
    mode: snapshot
    every: 1w
    keep: 26w
    columns: [{ header: Zoho ID, field: id }]
`, noEnv)
	if s := cfg.Modules[1].Snapshot; s == nil || s.Every != "1w" || s.KeepDays != 182 || cfg.Modules[0].Snapshot != nil {
		t.Fatalf("modules %+v %+v", cfg.Modules[0], cfg.Modules[1])
	}
	if s := mustParse(t, "spreadsheet_id: abc\nmodules:\n  - module: Deals\n    mode: snapshot\n    columns: [{ header: Zoho ID, field: id }]\n", noEnv).Modules[0].Snapshot; s == nil || s.Every != "1d" || s.KeepDays != 0 {
		t.Fatalf("defaults %+v", s)
	}
	for _, tt := range []struct{ keys, where, key, msg string }{
		{"    mode: snapshots\n", "m.yaml:4", "modules[0].mode", `unknown mode "snapshots"`},
		{"    mode: snapshot\n    every: 2d\n", "m.yaml:5", "modules[0].every", "not a snapshot period"},
		{"    mode: snapshot\n    every: 1w\n    keep: 3d\n", "m.yaml:6", "modules[0].keep", "less than one snapshot period"},
		{"    mode: snapshot\n    keep: 36h\n", "m.yaml:5", "modules[0].keep", "whole number of days"},
		{"    mode: snapshot\n    keep: soon\n", "m.yaml:5", "modules[0].keep", "not a duration"},
		{"    every: 1d\n", "m.yaml:4", "modules[0].every", "mode is not snapshot"},
		{"    mode: mirror\n    keep: 90d\n", "m.yaml:5", "modules[0].keep", "mode is not snapshot"},
		{"    mode: [snapshot]\n", "m.yaml:4", "modules[0].mode", "single value"},
		{"    mode: snapshot\n    every: [1d]\n", "m.yaml:5", "modules[0].every", "single value"},
		{"    mode: snapshot\n    keep: [26w]\n", "m.yaml:5", "modules[0].keep", "single value"},
		{"    mode: snapshot\n    mark_column: Gone\n", "m.yaml:5", "modules[0].mark_column", "does not apply to a snapshot tab"},
		{"    mode: snapshot\n    on_delete: mark\n", "m.yaml:5", "modules[0].on_delete", "does not apply to a snapshot tab"},
		{"    mode: snapshot\n    full_every: 1d\n", "m.yaml:5", "modules[0].full_every", "does not apply to a snapshot tab"},
	} {
		_, err := config.Parse([]byte("spreadsheet_id: abc\nmodules:\n  - module: Deals\n"+tt.keys+"    columns: [{ header: Zoho ID, field: id }]\n"), "m.yaml", noEnv)
		errs := config.ErrorList(err)
		if len(errs) != 1 || errs[0].Where != tt.where || errs[0].Key != tt.key || !strings.Contains(errs[0].Msg, tt.msg) || errs[0].Hint == "" {
			t.Errorf("%q: %v", tt.keys, err)
		}
	}
}

// A module whose tab is titled like the default status tab, with no
// status_tab key: the status rows would land in that module's data tab.
func TestStatusTabDefaultTakenByAModule(t *testing.T) {
	in := "spreadsheet_id: abc\nmodules:\n  - module: Leads\n    sheet: sync STATUS\n    columns: [{ header: Zoho ID, field: id }]\n"
	_, err := config.Parse([]byte(in), "m.yaml", noEnv)
	errs := config.ErrorList(err)
	if len(errs) != 1 || errs[0].Where != "m.yaml:3" || errs[0].Key != "modules[0].sheet" || !strings.Contains(errs[0].Msg, "status") || !strings.Contains(errs[0].Hint, "status_tab") {
		t.Fatalf("%v", err)
	}
	// Switching the status tab off, or giving it another title, frees the name.
	for _, st := range []string{"status_tab: false\n", "status_tab: Freshness\n"} {
		if _, err := config.Parse([]byte(st+in), "m.yaml", noEnv); err != nil {
			t.Errorf("%q: %v", st, err)
		}
	}
}
