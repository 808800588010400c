package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// The summary shows each module's Zoho credits next to its calls.
func TestSummaryShowsCredits(t *testing.T) {
	s := &zsync.Summary{Modules: []zsync.ModuleSummary{{Module: "Deals", Sheet: "Deals", Mode: zsync.ModeFull,
		Read: 100000, SourceCalls: 52, SourceCredits: 152, SinkRequests: 20}}}
	var b bytes.Buffer
	printSummary(&b, s)
	lines := strings.Split(b.String(), "\n")
	head, row := strings.Fields(lines[0]), strings.Fields(lines[1])
	i := strings.Index(lines[0], "ZOHO CREDITS")
	if i < 0 || !strings.Contains(lines[1][i:], "152") || len(row) != len(head)-3 { // three two-word headers
		t.Fatalf("table:\n%s", b.String())
	}
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := writeStepSummary(path, s); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(path)
	if !strings.Contains(string(md), "| Zoho calls | Zoho credits |") || !strings.Contains(string(md), "| 52 | 152 | 20 |") {
		t.Fatalf("step summary:\n%s", md)
	}
}
