package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/sheets"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// A busy lease ends the run with 75 while the read ahead of Zoho's field
// metadata hangs (on the token): it is abandoned, not waited for.
func TestQA14BusyLeaseDoesNotWaitForZoho(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	holdLease(t, em)
	em.zoho.InjectFault(zohotest.Fault{Path: "/accounts/oauth/v2/token", Hang: true, Times: -1})
	// The run looks for the lease once the read ahead hangs on the token
	// (it starts first): the lease is then found busy while it hangs. A
	// read ahead that never asks is waited for 10 s, then reported below.
	looked := onBody(em, "developerMetadata:search", func() {
		for deadline := time.Now().Add(10 * time.Second); em.zoho.Stats().FaultsInjected == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}, sheets.LeaseKey)
	done := make(chan int, 1)
	var stderr string
	go func() {
		code, _, errs := inProcess(t, em, nil, "--once", "--config", cfg)
		stderr = errs
		done <- code
	}()
	select {
	case code := <-done:
		if code != exitLeaseBusy {
			t.Fatalf("exit %d, want %d\n%s", code, exitLeaseBusy, stderr)
		}
		if !looked() || em.zoho.Stats().FaultsInjected == 0 {
			t.Fatalf("the run looked for the lease: %v; the read ahead never asked for a token: %+v", looked(), em.zoho.Stats())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a run meeting a busy lease waited for a hung Zoho")
	}
}

// The tabs' Zoho calls in the run's summaries add up to the calls the
// CRM saw, read ahead included; with two tabs of one module, the read
// ahead (field metadata, users, org, web tab) is charged once.
func TestQA14ZohoCallsAddUp(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 5, "Leads": 4})
	cfg := writeMapping(t, pipelineMapping+`  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, field: Full_Name, link: true }
      - { header: Owner, field: Owner }
      - { header: Revenue, field: Annual_Revenue }
`)
	for run := 0; run < 2; run++ {
		em.zoho.ResetStats()
		code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg, "--log-format", "json")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		var sum, tabs int
		for _, line := range strings.Split(stderr, "\n") {
			var l struct {
				Message   string
				Module    string
				ZohoCalls *int `json:"zoho_calls"`
			}
			if json.Unmarshal([]byte(line), &l) == nil && l.Message == "summary" && l.ZohoCalls != nil && l.Module != "" {
				sum += *l.ZohoCalls
				tabs++
			}
		}
		st := em.zoho.Stats()
		if tabs != 3 || sum != st.APICalls {
			t.Fatalf("run %d: %d tab summaries, zoho_calls add up to %d; the CRM saw %d calls %v\n%s", run, tabs, sum, st.APICalls, st.Calls, stderr)
		}
		em.zoho.Advance(time.Hour)
	}
}

// An invalid refresh token fails the run once, clearly, without a
// storm of token requests from the read ahead.
func TestQA14ZohoAuthFailureWithReadAhead(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 5, "Leads": 4})
	cfg := writeMapping(t, string(demoMapping))
	em.zoho.RevokeRefreshToken()
	code, _, stderr := inProcess(t, em, nil, "--once", "--config", cfg)
	if code == 0 {
		t.Fatal("a revoked refresh token ran")
	}
	if !strings.Contains(strings.ToLower(stderr), "refresh token") {
		t.Errorf("no word of the refresh token:\n%s", stderr)
	}
	assertNoSecrets(t, em, stderr)
	if st := em.zoho.Stats(); st.TokenRequests > 3 {
		t.Errorf("%d token requests for one run with a revoked refresh token", st.TokenRequests)
	}
}

// Zoho's field metadata hangs: --run-timeout ends the run, which names
// the deadline, instead of the read ahead holding it.
func TestQA14ZohoHangsWithRunTimeout(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	em.zoho.InjectFault(zohotest.Fault{Path: "/crm/v8/settings/*", Hang: true, Times: -1})
	done := make(chan int, 1)
	var stderr string
	go func() {
		code, _, errs := inProcess(t, em, nil, "--once", "--config", cfg, "--run-timeout", "1s")
		stderr = errs
		done <- code
	}()
	select {
	case code := <-done:
		if code == 0 || !strings.Contains(stderr, "run-timeout") {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if n := leaseEntries(em); n != 0 {
			t.Fatalf("the timed-out run left %d lease entries", n)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("--run-timeout 1s did not end a run whose Zoho hangs")
	}
}
