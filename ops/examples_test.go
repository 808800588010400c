package ops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// The single-mapping examples are sync workflows like sync.yml, using the
// released action: schedule, manual inputs, one run at a time, minimal
// permissions, credentials in env.
func TestExampleWorkflows(t *testing.T) {
	for _, name := range []string{"sync-key.yml", "sync-wif.yml"} {
		path := filepath.Join(examplesDir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		w := parseWorkflow(t, path, b)
		for _, p := range checkSync(w, ownRepo+"@") {
			t.Errorf("%s: %s", path, p)
		}
		wif := false
		for _, j := range w.Jobs {
			if a := uses(j, "google-github-actions/auth@"); a != nil && a.Inputs["workload_identity_provider"] != nil {
				wif = true
			}
		}
		if want := name == "sync-wif.yml"; wif != want {
			t.Errorf("%s: uses Workload Identity Federation: %v, want %v", path, wif, want)
		}
	}
}

// The matrix example runs one job per mapping, each serialised on its own.
func TestExampleMatrix(t *testing.T) {
	path := filepath.Join(examplesDir, "sync-matrix.yml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parseWorkflow(t, path, b)
	for _, p := range checkCommon(w) {
		t.Errorf("%s: %s", path, p)
	}
	for id, j := range w.Jobs {
		if j.Strategy == nil || j.Strategy.Matrix == nil {
			t.Errorf("%s: job %s has no matrix", path, id)
			continue
		}
		if ff := j.Strategy.FailFast; ff == nil || ff.Value {
			t.Errorf("%s: job %s: want fail-fast: false (one mapping's failure must not cancel the others)", path, id)
		}
		if c := j.Concurrency; c == nil || !strings.Contains(str(c.Group), "matrix.") {
			t.Errorf("%s: job %s: want a concurrency group per matrix entry", path, id)
		} else if c.CancelInProgress == nil || c.CancelInProgress.Value {
			t.Errorf("%s: job %s: want cancel-in-progress: false", path, id)
		}
		st := stepUsing(j, ownRepo+"@")
		if st == nil {
			t.Errorf("%s: job %s does not use %s", path, id, ownRepo)
			continue
		}
		if !strings.Contains(input(st.Exec.(*actionlint.ExecAction), "config"), "matrix.") {
			t.Errorf("%s: job %s: the config input does not come from the matrix", path, id)
		}
	}
}

// Every input an example gives the action exists in action.yml (actionlint
// checks this for the local action in sync.yml, but cannot for a remote
// one).
func TestExamplesUseActionInputs(t *testing.T) {
	a := loadAction(t)
	for _, f := range workflowFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w := parseWorkflow(t, f, b)
		for id, j := range w.Jobs {
			st := stepUsing(j, ownRepo+"@")
			if st == nil {
				continue
			}
			for name := range st.Exec.(*actionlint.ExecAction).Inputs {
				if _, ok := a.Inputs[name]; !ok {
					t.Errorf("%s: job %s gives the action input %q, which action.yml does not have", f, id, name)
				}
			}
		}
	}
}

// The workflow README.md shows for the short way is a valid, pinned,
// least-privilege workflow using only inputs and env the action has.
func TestReadmeWorkflow(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Run it on GitHub Actions from your own repository")
	if !ok {
		t.Fatal(`README.md has no section "Run it on GitHub Actions from your own repository"`)
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("README.md: no ```yaml workflow in the section")
	}
	for _, e := range lint(t, map[string][]byte{"README.md workflow": []byte(block)}) {
		t.Errorf("README.md workflow:%d:%d: %s [%s]", e.Line, e.Column, e.Message, e.Kind)
	}
	for _, p := range checkPins(block) {
		t.Errorf("README.md workflow: %s", p)
	}
	w := parseWorkflow(t, "README.md workflow", []byte(block))
	for _, p := range checkCommon(w) {
		t.Errorf("README.md workflow: %s", p)
	}
	if c := w.Concurrency; c == nil || c.CancelInProgress == nil || c.CancelInProgress.Value {
		t.Error("README.md workflow: want concurrency with cancel-in-progress: false")
	}
	found := false
	for _, j := range w.Jobs {
		if st := stepUsing(j, ownRepo+"@"); st != nil {
			found = true
			for _, v := range []string{"zoho_client_id", "zoho_client_secret", "zoho_refresh_token", "google_credentials_json", "spreadsheet_id"} {
				if st.Env == nil || st.Env.Vars[v] == nil {
					t.Errorf("README.md workflow: the action's step does not get %s", strings.ToUpper(v))
				}
			}
		}
	}
	if !found {
		t.Errorf("README.md workflow does not use %s", ownRepo)
	}
	if n := strings.Count(strings.TrimSpace(block), "\n") + 1; n > 25 {
		t.Errorf("README.md workflow has %d lines: the short way should stay short", n)
	}
}
