package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDryRunShowsTheChange(t *testing.T) {
	em, cfg := syncedDemo(t, 6, 2)
	em.zoho.Advance(time.Hour)
	ids := em.zoho.IDs("Leads")
	em.zoho.Update("Leads", ids[0], map[string]any{"Lead_Status": "Junk Lead"})
	em.zoho.Update("Leads", ids[1], map[string]any{"Lead_Status": "Junk Lead"})
	before := em.sheets.Table(em.spreadsheetID, "Leads")

	code, stdout, stderr := inProcess(t, em, nil, "--once", "--config", cfg, "--dry-run", "--dry-run-limit", "1", "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if em.sheets.Table(em.spreadsheetID, "Leads") != before {
		t.Fatal("the dry run changed the tab")
	}
	// The terminal table: one changed cell (the limit), then the counts.
	mustContain(t, stdout, "Leads (Leads): would add 0, update 2", ids[0]+" · ", "Status:", "→", "Junk Lead",
		"more changed cells (--dry-run-limit N shows more)", "MODULE")
	if strings.Contains(stdout, ids[1]+" · ") {
		t.Fatalf("more changes shown than --dry-run-limit 1:\n%s", stdout)
	}
	if strings.Index(stdout, "Junk Lead") > strings.Index(stdout, "MODULE") {
		t.Fatalf("the changes come after the counts:\n%s", stdout)
	}
	// The JSON log carries the same as fields.
	var found bool
	for _, line := range strings.Split(stderr, "\n") {
		var ev struct {
			Module      string   `json:"module"`
			Msg         string   `json:"message"`
			Add         []string `json:"would_add_ids"`
			More        int      `json:"would_change_more"`
			WouldChange []struct {
				ID, Column, Old, New string
			} `json:"would_change"`
		}
		if json.Unmarshal([]byte(line), &ev) != nil || ev.Module != "Leads" || ev.Msg != "summary" {
			continue
		}
		found = true
		if len(ev.WouldChange) != 1 || ev.WouldChange[0].ID != ids[0] || ev.WouldChange[0].Column != "Status" ||
			ev.WouldChange[0].New != "Junk Lead" || ev.More < 1 || ev.Add == nil {
			t.Fatalf("log fields: %+v\n%s", ev, line)
		}
	}
	if !found {
		t.Fatalf("no summary log line for Leads:\n%s", stderr)
	}
}

func TestDryRunLimitFlag(t *testing.T) {
	for name, args := range map[string][]string{
		"without --dry-run": {"--once", "--dry-run-limit", "5"},
		"negative":          {"--once", "--dry-run", "--dry-run-limit", "-1"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseSyncFlags(args, &syncBuffer{}); err == nil || !strings.Contains(err.Error(), "--dry-run-limit") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	f, err := parseSyncFlags([]string{"--once", "--dry-run"}, &syncBuffer{})
	if err != nil || f.dryRunLimit != DefaultDryRunLimit {
		t.Fatalf("default: %+v %v", f, err)
	}
}

func mustContain(t *testing.T, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Fatalf("%q missing from:\n%s", sub, s)
		}
	}
}

// CRM text in the dry-run table must not drive the terminal: escape
// sequences, carriage returns and other control characters are shown as
// visible text, and the table stays one line per change.
func TestDryRunTableEscapesControlCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"\x1b[2J\x1b[31mred": `\x1b[2J\x1b[31mred`,
		"over\rwrite":        `over\rwrite`,
		"bell\a":             `bell\a`,
		"csi\u009b31m":       `csi\u009b31m`,
		"two\nlines\ttab":    "two⏎lines tab",
		"right\u202eto left": `right\u202eto left`,
		"plain café 日本":      "plain café 日本",
		"":                   "∅",
	} {
		got := shown(in)
		if got != want {
			t.Errorf("shown(%q) = %q, want %q", in, got, want)
		}
		for _, r := range got {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) {
				t.Errorf("shown(%q) = %q keeps control character %U", in, got, r)
			}
		}
	}
}

// --dry-run-limit 0 shows the counts only: a tab with changes must not
// read "no change".
func TestDryRunLimitZeroIsNotNoChange(t *testing.T) {
	em, cfg := syncedDemo(t, 3, 1)
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[0], map[string]any{"Lead_Status": "Junk Lead"})
	em.zoho.Create("Leads", map[string]any{"Last_Name": "New", "Company": "Acme"})
	code, stdout, stderr := inProcess(t, em, nil, "--once", "--config", cfg, "--dry-run", "--dry-run-limit", "0")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// Counts only: no per-tab list, and above all no "no change".
	if strings.Contains(stdout, "no change") || strings.Contains(stdout, "Leads (Leads)") {
		t.Fatalf("--dry-run-limit 0:\n%s", stdout)
	}
	mustContain(t, stdout, "MODULE", "ADDED (dry run: would)")
}
