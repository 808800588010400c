package alert

import (
	"testing"
	"time"
)

func TestRepeatsPostsNewsOnly(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)
	r := NewRepeats()
	step := func(what string, module, err string, at time.Time, want bool) {
		t.Helper()
		if got := r.Due(module, "", err, at); got != want {
			t.Fatalf("%s: due %v, want %v", what, got, want)
		}
		if want {
			r.Posted(module, "", err, at)
		}
	}
	step("first failure", "Leads", "revoked", t0, true)
	step("same failure next run", "Leads", "revoked", t0.Add(time.Hour), false)
	step("another entry", "Deals", "revoked", t0.Add(time.Hour), true)
	step("another error", "Leads", "unshared", t0.Add(2*time.Hour), true)
	step("same again", "Leads", "unshared", t0.Add(3*time.Hour), false)
	step("a day after it was posted", "Leads", "unshared", t0.Add(2*time.Hour+RepeatEvery), true)
	r.Succeeded("Leads", "")
	step("after a success", "Leads", "unshared", t0.Add(2*time.Hour+RepeatEvery+time.Minute), true)
	if r.Due("Deals", "Pipeline", "revoked", t0.Add(time.Hour)) != true {
		t.Fatal("a module's other tab shares its first tab's history")
	}

	var none *Repeats // --once: each run is a process of its own
	none.Posted("Leads", "", "revoked", t0)
	if !none.Due("Leads", "", "revoked", t0) {
		t.Fatal("a nil Repeats held a failure back")
	}
}
