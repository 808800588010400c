package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// logSummary writes one log line per module and one for the run.
func logSummary(log zerolog.Logger, s *zsync.Summary) {
	for _, m := range s.Modules {
		ev := log.Info()
		if m.Err != nil {
			ev = log.Error().Err(m.Err)
			if h := zsync.Hint(m.Err); h != "" {
				ev = ev.Str("hint", h)
			}
		}
		ev = ev.Str("module", m.Module).Str("sheet", m.Sheet).Str("mode", string(m.Mode)).
			Int("read", m.Read).Int("deletions", m.Deleted).
			Int("added", m.Result.Added).Int("updated", m.Result.Updated).
			Int("removed", m.Result.Removed).Int("marked", m.Result.Marked).
			Int("unchanged", m.Result.Unchanged).Int("cells_written", m.Result.CellsWritten).
			Int("zoho_calls", m.SourceCalls).Int("zoho_credits", m.SourceCredits).Int("sheets_requests", m.SinkRequests).
			Strs("notes", m.Notes).
			Dur("duration", m.Duration).Bool("dry_run", s.DryRun)
		logDiff(ev, m.Result.Diff).Msg("summary")
	}
	log.Info().Int("modules", len(s.Modules)).Int("failed", len(s.Failed())).
		Dur("duration", s.Duration).Bool("dry_run", s.DryRun).Msg("run finished")
}

// printSummary writes the run summary as a plain table.
func printSummary(w io.Writer, s *zsync.Summary) {
	if s.DryRun {
		printDiff(w, s)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	verb := ""
	if s.DryRun {
		verb = " (dry run: would)"
	}
	fmt.Fprintf(tw, "MODULE\tSHEET\tMODE\tREAD\tADDED%s\tUPDATED\tREMOVED\tMARKED\tUNCHANGED\tZOHO CALLS\tZOHO CREDITS\tSHEETS REQ\tDURATION\tRESULT\n", verb)
	for _, m := range s.Modules {
		fmt.Fprintln(tw, strings.Join(summaryCells(m), "\t"))
	}
	tw.Flush()
	for _, m := range s.Modules {
		for _, n := range m.Notes {
			fmt.Fprintf(w, "%s: %s\n", m.Sheet, n)
		}
	}
}

// summaryCells is one module's row of the run summary, the same columns in
// the terminal table and the step summary.
func summaryCells(m zsync.ModuleSummary) []string {
	n := strconv.Itoa
	return []string{m.Module, m.Sheet, string(m.Mode), n(m.Read), n(m.Result.Added), n(m.Result.Updated),
		n(m.Result.Removed), n(m.Result.Marked), n(m.Result.Unchanged), n(m.SourceCalls), n(m.SourceCredits),
		n(m.SinkRequests), m.Duration.Round(time.Millisecond).String(), result(m)}
}

func result(m zsync.ModuleSummary) string {
	if m.Err == nil {
		return "ok"
	}
	s := "FAILED: " + m.Err.Error()
	if h := zsync.Hint(m.Err); h != "" && !strings.Contains(s, h) {
		s += " — " + h
	}
	return s
}

// writeStepSummary appends a Markdown summary to $GITHUB_STEP_SUMMARY, the
// file GitHub Actions shows on the run's summary page.
func writeStepSummary(path string, s *zsync.Summary) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write GITHUB_STEP_SUMMARY: %w", err)
	}
	defer f.Close()
	title := "zoho2sheets run"
	if s.DryRun {
		title += " (dry run: nothing written)"
	}
	fmt.Fprintf(f, "### %s\n\n", title)
	fmt.Fprintln(f, "| Module | Sheet | Mode | Read | Added | Updated | Removed | Marked | Unchanged | Zoho calls | Zoho credits | Sheets requests | Duration | Result |")
	fmt.Fprintln(f, "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
	for _, m := range s.Modules {
		cells := summaryCells(m)
		for i, c := range cells {
			cells[i] = md(c)
		}
		fmt.Fprintf(f, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintln(f)
	notes := false
	for _, m := range s.Modules {
		for _, n := range m.Notes {
			fmt.Fprintf(f, "- **%s**: %s\n", md(m.Sheet), md(n))
			notes = true
		}
	}
	if notes {
		fmt.Fprintln(f)
	}
	return nil
}

func md(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
