package main

import (
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// A Google read and a Zoho call that never answer: each ends at
// --request-timeout, is retried, and the run succeeds with the tab right.
func TestOnceFinishesDespiteHungRequests(t *testing.T) {
	em, cfg := syncedDemo(t, 6, 3)
	em.zoho.Advance(time.Hour)
	em.zoho.Update("Leads", em.zoho.IDs("Leads")[0], map[string]any{"Lead_Status": "Contacted"})
	em.sheets.InjectFault(sheetstest.Fault{Path: "values:batchGet", Hang: true})
	em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/*", Hang: true}) // the first CRM call, whichever it is
	start := time.Now()
	code, out, errs := inProcess(t, em, nil, "--once", "--config", cfg, "--request-timeout", "500ms", "--log-format", "json")
	if code != 0 {
		t.Fatalf("run with hung requests: exit %d\n%s", code, errs)
	}
	assertLeadsMatchCRM(t, em)
	assertNoSecrets(t, em, out+errs)
	if n := em.sheets.Stats().Faults + em.zoho.Stats().FaultsInjected; n != 2 {
		t.Errorf("%d hung requests, want 2", n)
	}
	for _, want := range []string{"sheets: call failed, retrying", "zoho call failed; retrying"} {
		if !strings.Contains(errs, want) {
			t.Errorf("log lacks %q:\n%s", want, errs)
		}
	}
	// Two timeouts and two backoffs of at most 2 s: bounded, not hung.
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the run took %s", d)
	}
}

// A daemon run stuck on a request longer than --run-timeout is stopped
// and raises the failure alert, and the daemon goes on.
func TestDaemonRunDeadlineRaisesAlert(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 3})
	got := make(chan map[string]any, 4)
	hook := newWebhook(t, got)
	// Every CRM call hangs, whichever read path (COQL or Get Records) the run takes.
	em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/*", Hang: true, Times: -1})
	d := startDaemon(t, em, scheduled(string(demoMapping), "@every 1s"), map[string]string{"ZOHO2SHEETS_WEBHOOK": hook},
		"--run-timeout", "1s", "--request-timeout", "1h")
	select {
	case msg := <-got:
		if msg["module"] != "(all)" || !strings.Contains(msg["error"].(string), "deadline") {
			t.Errorf("alert %v: want the whole run, stopped by its deadline", msg)
		}
		if h, _ := msg["hint"].(string); !strings.Contains(h, "--run-timeout") {
			t.Errorf("alert hint %q does not say what to do", h)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no alert for a stuck run\n%s", d.logs.String())
	}
	waitFor(t, "the run to end", func() bool { return d.count("run failed") >= 1 && d.count("run finished") >= 1 })
}

func TestRunDeadlineDefault(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	for spec, want := range map[string]time.Duration{
		"*/5 * * * *": time.Hour,      // a full reconcile still fits
		"0 */3 * * *": 3 * time.Hour,  // the interval
		"0 6 * * *":   12 * time.Hour, // a daily run alarms the same day
	} {
		sched, err := cron.ParseStandard(spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := runDeadline(sched, now); got != want {
			t.Errorf("%s: deadline %s, want %s", spec, got, want)
		}
	}
}
