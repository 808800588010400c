package alert

import (
	zsync "github.com/zoho2sheets/zoho2sheets/sync"

	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Failure is one failed mapping entry (or a run that failed before any).
// Err and Hint must already be free of secrets; they are scrubbed again.
type Failure struct {
	Module string
	// Sheet is the entry's tab title: one module may feed several tabs,
	// and the alert must say which one failed ("": none, the whole run).
	Sheet string
	Err   string
	Hint  string
	Run   time.Time // when the run started (zero: now)
}

// Failure posts one failure alert. It returns an error (naming only the
// webhook's host) when the webhook did not accept it after the retries.
func (n *Notifier) Failure(ctx context.Context, f Failure) error {
	module := f.Module
	if module == "" {
		module = "(run)"
	}
	sheet := Scrub(f.Sheet)
	errText := truncate(Scrub(f.Err), 2000)
	hint := truncate(Scrub(f.Hint), 500)
	at := f.Run
	if at.IsZero() {
		at = n.now()
	}
	summary := fmt.Sprintf("%s: sync of %s failed: %s", n.app(), zsync.EntryName(module, sheet), errText)
	if n.format() == FormatSlack {
		return n.post(ctx, EventRunFailed, slackFailure(n.app(), module, sheet, errText, hint, at, summary))
	}
	payload := map[string]any{
		"event":   EventRunFailed,
		"app":     n.app(),
		"module":  module,
		"error":   errText,
		"hint":    hint,
		"time":    at.UTC().Format(time.RFC3339),
		"summary": summary,
	}
	if sheet != "" {
		payload["sheet"] = sheet
	}
	return n.post(ctx, EventRunFailed, payload)
}

// Digest is the daily success digest: what each mapping entry (a module's
// tab) did since the last digest.
type Digest struct {
	// Since and Until bound the period (zero Until: now).
	Since, Until time.Time
	Runs         int // runs in the period
	FailedRuns   int // of which failed
	Modules      []DigestModule
}

// DigestModule is one mapping entry's totals in a Digest.
type DigestModule struct {
	Module                          string
	Sheet                           string // the tab's title
	Read                            int    // records read
	Added, Updated, Removed, Marked int    // rows written
	Failures                        int    // failed runs of this module
	LastSuccess                     time.Time
}

// AddModule folds one mapping entry's outcome in one run into the digest
// (sheet: its tab, "" for the module's name; ok: whether it succeeded; at:
// when it finished), so a daemon can keep one Digest per day and post it
// once. Two tabs of one module are counted apart.
func (d *Digest) AddModule(module, sheet string, ok bool, read, added, updated, removed, marked int, at time.Time) {
	if sheet == "" {
		sheet = module
	}
	i := -1
	for k := range d.Modules {
		if d.Modules[k].Module == module && d.Modules[k].Sheet == sheet {
			i = k
			break
		}
	}
	if i < 0 {
		d.Modules = append(d.Modules, DigestModule{Module: module, Sheet: sheet})
		i = len(d.Modules) - 1
	}
	dm := &d.Modules[i]
	if !ok {
		dm.Failures++
		return
	}
	dm.Read += read
	dm.Added += added
	dm.Updated += updated
	dm.Removed += removed
	dm.Marked += marked
	if at.After(dm.LastSuccess) {
		dm.LastSuccess = at
	}
}

// AddRun counts one run (ok: whether every module succeeded).
func (d *Digest) AddRun(ok bool) {
	d.Runs++
	if !ok {
		d.FailedRuns++
	}
}

// Digest posts the digest. It returns an error (naming only the webhook's
// host) when the webhook did not accept it after the retries.
func (n *Notifier) Digest(ctx context.Context, d Digest) error {
	until := d.Until
	if until.IsZero() {
		until = n.now()
	}
	mods := append([]DigestModule(nil), d.Modules...)
	sort.Slice(mods, func(i, j int) bool {
		if mods[i].Module != mods[j].Module {
			return mods[i].Module < mods[j].Module
		}
		return mods[i].Sheet < mods[j].Sheet
	})
	summary := digestSummary(n.app(), d, mods)
	if n.format() == FormatSlack {
		return n.post(ctx, EventDigest, slackDigest(n.app(), d, mods, until, summary))
	}
	type jsonModule struct {
		Module      string `json:"module"`
		Sheet       string `json:"sheet,omitempty"`
		Read        int    `json:"read"`
		Added       int    `json:"added"`
		Updated     int    `json:"updated"`
		Removed     int    `json:"removed"`
		Marked      int    `json:"marked"`
		Failures    int    `json:"failures"`
		LastSuccess string `json:"last_success,omitempty"`
	}
	jm := make([]jsonModule, len(mods))
	for i, m := range mods {
		jm[i] = jsonModule{Module: m.Module, Sheet: Scrub(m.Sheet), Read: m.Read, Added: m.Added, Updated: m.Updated,
			Removed: m.Removed, Marked: m.Marked, Failures: m.Failures}
		if !m.LastSuccess.IsZero() {
			jm[i].LastSuccess = m.LastSuccess.UTC().Format(time.RFC3339)
		}
	}
	payload := map[string]any{
		"event":       EventDigest,
		"app":         n.app(),
		"time":        until.UTC().Format(time.RFC3339),
		"runs":        d.Runs,
		"failed_runs": d.FailedRuns,
		"modules":     jm,
		"summary":     summary,
	}
	if !d.Since.IsZero() {
		payload["since"] = d.Since.UTC().Format(time.RFC3339)
	}
	return n.post(ctx, EventDigest, payload)
}

func digestSummary(app string, d Digest, mods []DigestModule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s daily digest: %d runs", app, d.Runs)
	if d.FailedRuns > 0 {
		fmt.Fprintf(&b, " (%d failed)", d.FailedRuns)
	}
	for _, m := range mods {
		fmt.Fprintf(&b, "; %s: %d read, %d added, %d updated, %d removed, %d marked",
			Scrub(zsync.EntryName(m.Module, m.Sheet)), m.Read, m.Added, m.Updated, m.Removed, m.Marked)
		if m.Failures > 0 {
			fmt.Fprintf(&b, ", %d failures", m.Failures)
		}
	}
	return b.String()
}

// Slack Block Kit limits: a section's text is at most 3000 characters, a
// header's 150.

func slackFailure(app, module, sheet, errText, hint string, at time.Time, summary string) map[string]any {
	body := "*Module:* " + slackEscape(module)
	if zsync.EntryName(module, sheet) != module {
		body += "\n*Tab:* " + slackEscape(sheet)
	}
	body += fmt.Sprintf("\n*Error:*\n```%s```", slackEscape(errText))
	if hint != "" {
		body += "\n*How to fix:* " + slackEscape(hint)
	}
	return map[string]any{
		"text": slackEscape(summary),
		"blocks": []any{
			header(fmt.Sprintf(":rotating_light: %s: sync of %s failed", app, zsync.EntryName(module, sheet))),
			section(body),
			contextBlock("Run started " + at.UTC().Format(time.RFC3339)),
		},
	}
}

func slackDigest(app string, d Digest, mods []DigestModule, until time.Time, summary string) map[string]any {
	var b strings.Builder
	b.WriteString("```")
	fmt.Fprintf(&b, "%-32s %8s %8s %8s %8s %8s %5s\n", "module (tab)", "read", "added", "updated", "removed", "marked", "fail")
	for _, m := range mods {
		fmt.Fprintf(&b, "%-32s %8d %8d %8d %8d %8d %5d\n", truncate(Scrub(zsync.EntryName(m.Module, m.Sheet)), 32), m.Read, m.Added, m.Updated, m.Removed, m.Marked, m.Failures)
	}
	b.WriteString("```")
	runs := fmt.Sprintf("%d runs, %d failed", d.Runs, d.FailedRuns)
	period := "until " + until.UTC().Format(time.RFC3339)
	if !d.Since.IsZero() {
		period = d.Since.UTC().Format(time.RFC3339) + " to " + until.UTC().Format(time.RFC3339)
	}
	icon := ":white_check_mark:"
	if d.FailedRuns > 0 {
		icon = ":warning:"
	}
	return map[string]any{
		"text": slackEscape(summary),
		"blocks": []any{
			header(fmt.Sprintf("%s %s daily digest", icon, app)),
			section(truncate(slackEscape(b.String()), 2900)),
			contextBlock(runs + ", " + period),
		},
	}
}

func header(s string) map[string]any {
	return map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": truncate(s, 140), "emoji": true}}
}

func section(mrkdwn string) map[string]any {
	return map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": truncate(mrkdwn, 2900)}}
}

func contextBlock(mrkdwn string) map[string]any {
	return map[string]any{"type": "context", "elements": []any{map[string]any{"type": "mrkdwn", "text": mrkdwn}}}
}

// slackEscape escapes the three characters Slack's mrkdwn treats as markup
// (so CRM text like "<@U123>" cannot ping anyone).
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackEscape(s string) string { return slackEscaper.Replace(s) }
