package config_test

import (
	"testing"

	"github.com/zoho2sheets/zoho2sheets/config"
)

// README: ${NAME} expands in every value except a column's format, which is
// a Sheets pattern taken as written ("$#,##0.00" is a dollar format, not a
// variable), so the docs' exception is pinned here.
func TestFormatIsTakenAsWritten(t *testing.T) {
	env := func(k string) (string, bool) {
		if k == "X" {
			return "0.0", true
		}
		return "", false
	}
	cfg, err := config.Parse([]byte(`spreadsheet_id: abc
modules:
  - module: Deals
    columns:
      - { header: Zoho ID, field: id }
      - { header: A, field: Amount, format: "$#,##0.00" }
      - { header: B, field: Amount, format: "$${X}#" }
      - { header: C, field: Deal_Name, join: "${X}" }
`), "m.yaml", env)
	if err != nil {
		t.Fatal(err)
	}
	cols := cfg.Modules[0].Columns
	if cols[1].Format != "$#,##0.00" || cols[2].Format != "$${X}#" {
		t.Errorf("formats %q, %q: want them as written", cols[1].Format, cols[2].Format)
	}
	if cols[3].Join != "0.0" {
		t.Errorf("join %q: other values expand ${X}", cols[3].Join)
	}
}
