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
