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
		"status_tab: false\n": "", "status_tab: \" Freshness \"\n": "Freshness"} {
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
