package ops

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

const workflowsDir = "../.github/workflows"

// lint runs actionlint on the named files (content maps name to its text;
// a nil content reads the file). Shellcheck runs when it is installed (it is
// on GitHub's ubuntu runners) and is skipped otherwise.
func lint(t *testing.T, files map[string][]byte) []*actionlint.Error {
	t.Helper()
	opts := &actionlint.LinterOptions{LogWriter: io.Discard}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatalf("actionlint: %v", err)
	}
	var all []*actionlint.Error
	for name, content := range files {
		if content == nil {
			if content, err = os.ReadFile(name); err != nil {
				t.Fatal(err)
			}
		}
		errs, err := l.Lint(name, content, nil)
		if err != nil {
			t.Fatalf("actionlint %s: %v", name, err)
		}
		all = append(all, errs...)
	}
	return all
}

// examplesDir holds workflows for users' own repositories.
const examplesDir = "../examples"

// workflowFiles returns this repository's workflows and the examples.
func workflowFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{workflowsDir, examplesDir} {
		n := len(files)
		for _, pat := range []string{"*.yml", "*.yaml"} {
			m, err := filepath.Glob(filepath.Join(dir, pat))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, m...)
		}
		if len(files) == n {
			t.Fatalf("no workflows in %s", dir)
		}
	}
	return files
}

func TestActionlint(t *testing.T) {
	files := map[string][]byte{}
	for _, f := range workflowFiles(t) {
		files[f] = nil
	}
	for _, e := range lint(t, files) {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

// actionlint as wired here must report errors, or TestActionlint proves
// nothing.
func TestActionlintCatchesBrokenWorkflow(t *testing.T) {
	broken := `on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-go@v6
        with:
          go-version-fil: go.mod
      - run: echo "${{ github.event.head_commit.message }}"
      - run: echo ${{ matrix.nope }}
      - run: |
          x="a b"
          ls $x
`
	errs := lint(t, map[string][]byte{"broken.yml": []byte(broken)})
	var kinds []string
	for _, e := range errs {
		kinds = append(kinds, e.Kind)
	}
	wantKinds := []string{"action", "expression"}
	if _, err := exec.LookPath("shellcheck"); err == nil {
		wantKinds = append(wantKinds, "shellcheck")
	}
	for _, want := range wantKinds {
		if !slices.Contains(kinds, want) {
			t.Errorf("actionlint found no %q error in a broken workflow; got %v", want, errs)
		}
	}
}

// parseWorkflow parses a workflow with actionlint's parser.
func parseWorkflow(t *testing.T, name string, content []byte) *actionlint.Workflow {
	t.Helper()
	w, errs := actionlint.Parse(content)
	if len(errs) > 0 || w == nil {
		t.Fatalf("parse %s: %v", name, errs)
	}
	return w
}

func str(s *actionlint.String) string {
	if s == nil {
		return ""
	}
	return s.Value
}

// ownRepo is this repository (go.mod's module path says so; TestOwnRepo
// checks): its own action may be used at a major version tag, since no
// commit of it exists before it is released.
const ownRepo = "zoho2sheets/zoho2sheets"

// usesRef matches an action pinned to a full commit SHA (a tag can be moved
// to other code; a SHA cannot), a local action, a docker image, or this
// repository's own action at a major version.
var usesRef = regexp.MustCompile(`^([\w.-]+/[\w./-]+@[0-9a-f]{40}|` + regexp.QuoteMeta(ownRepo) + `@v\d+|\./.*|docker://.+)$`)

// untrustedInRun matches expressions that must not be pasted into a shell
// script: a workflow_dispatch input (or any event field) would become code.
var untrustedInRun = regexp.MustCompile(`\$\{\{[^}]*\b(inputs\.|github\.event\.)`)

// checkCommon returns the problems every workflow must not have.
func checkCommon(w *actionlint.Workflow) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if w.Permissions == nil {
		bad("no workflow-level permissions: set `permissions: {contents: read}` (least privilege)")
	} else if p := w.Permissions; str(p.All) != "" {
		bad("workflow-level permissions: %q; list scopes instead", str(p.All))
	} else {
		for name, sc := range p.Scopes {
			if str(sc.Value) == "write" {
				bad("workflow-level permission %s: write; grant writes per job, only where needed", name)
			}
		}
	}
	for id, j := range w.Jobs {
		if j.TimeoutMinutes == nil {
			bad("job %s has no timeout-minutes", id)
		}
		for i, s := range j.Steps {
			switch e := s.Exec.(type) {
			case *actionlint.ExecRun:
				if untrustedInRun.MatchString(str(e.Run)) {
					bad("job %s step %d interpolates inputs or event data into its script: pass it through env", id, i)
				}
			case *actionlint.ExecAction:
				if u := str(e.Uses); !usesRef.MatchString(u) {
					bad("job %s step %d uses %q: pin actions to a full 40-hex commit SHA, with the version as a comment (uses: owner/repo@<sha> # v1.2.3)", id, i, u)
				}
			}
		}
	}
	return probs
}

// uses returns the step that uses the action prefix (e.g.
// "google-github-actions/auth@"), or nil.
func uses(j *actionlint.Job, prefix string) *actionlint.ExecAction {
	for _, s := range j.Steps {
		if e, ok := s.Exec.(*actionlint.ExecAction); ok && strings.HasPrefix(str(e.Uses), prefix) {
			return e
		}
	}
	return nil
}

// stepUsing returns the step that uses action: exactly that (a local
// action, "./"), or any version of it when it ends in "@".
func stepUsing(j *actionlint.Job, action string) *actionlint.Step {
	for _, s := range j.Steps {
		if e, ok := s.Exec.(*actionlint.ExecAction); ok {
			if u := str(e.Uses); u == action || strings.HasSuffix(action, "@") && strings.HasPrefix(u, action) {
				return s
			}
		}
	}
	return nil
}

func scope(p *actionlint.Permissions, name string) string {
	if p == nil {
		return ""
	}
	if sc, ok := p.Scopes[name]; ok {
		return str(sc.Value)
	}
	return ""
}

// checkSync returns what is wrong with a sync workflow (sync.yml, which uses
// the repository's action as "./", or an example using the released one).
func checkSync(w *actionlint.Workflow, action string) []string {
	probs := checkCommon(w)
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	var sched *actionlint.ScheduledEvent
	var dispatch *actionlint.WorkflowDispatchEvent
	for _, ev := range w.On {
		switch ev := ev.(type) {
		case *actionlint.ScheduledEvent:
			sched = ev
		case *actionlint.WorkflowDispatchEvent:
			dispatch = ev
		}
	}
	if sched == nil || len(sched.Schedules) == 0 {
		bad("no schedule")
	}
	if dispatch == nil {
		bad("no workflow_dispatch")
	} else {
		for name, typ := range map[string]actionlint.WorkflowDispatchEventInputType{
			"full": actionlint.WorkflowDispatchEventInputTypeBoolean, "since": actionlint.WorkflowDispatchEventInputTypeString,
			"modules": actionlint.WorkflowDispatchEventInputTypeString, "dry_run": actionlint.WorkflowDispatchEventInputTypeBoolean,
		} {
			in, ok := dispatch.Inputs[name]
			if !ok {
				bad("workflow_dispatch has no input %q", name)
			} else if in.Type != typ {
				bad("workflow_dispatch input %q has the wrong type", name)
			}
		}
	}
	if c := w.Concurrency; c == nil || str(c.Group) != "zoho2sheets-sync" {
		bad("want concurrency group zoho2sheets-sync (one sync at a time)")
	} else if c.CancelInProgress == nil || c.CancelInProgress.Value || c.CancelInProgress.Expression != nil {
		bad("want cancel-in-progress: false (never cancel a sync halfway)")
	}

	if len(w.Jobs) == 0 {
		bad("no jobs")
	}
	for id, j := range w.Jobs {
		auth := uses(j, "google-github-actions/auth@")
		wif := auth != nil && auth.Inputs["workload_identity_provider"] != nil
		switch idTok := scope(j.Permissions, "id-token"); {
		case j.Permissions == nil:
			bad("job %s has no permissions of its own", id)
		case wif && idTok != "write":
			bad("job %s uses Workload Identity Federation without id-token: write", id)
		case !wif && idTok != "" && idTok != "none":
			bad("job %s has id-token: %s but does not use Workload Identity Federation", id, idTok)
		}
		if auth != nil && !wif {
			bad("job %s authenticates to Google without workload_identity_provider", id)
		}
		st := stepUsing(j, action)
		if st == nil {
			bad("job %s never runs the zoho2sheets action (uses: %s…)", id, action)
			continue
		}
		act := st.Exec.(*actionlint.ExecAction)
		for in, from := range map[string]string{"full": "inputs.full", "since": "inputs.since", "modules": "inputs.modules", "dry-run": "inputs.dry_run"} {
			if !strings.Contains(input(act, in), from) {
				bad("job %s: the action's %s input does not come from %s", id, in, from)
			}
		}
		var env []string
		if st.Env != nil {
			for k := range st.Env.Vars {
				env = append(env, k) // actionlint lower-cases env names
			}
		}
		want := []string{"zoho_client_id", "zoho_client_secret", "zoho_refresh_token", "spreadsheet_id"}
		if !wif {
			want = append(want, "google_credentials_json")
		}
		for _, v := range want {
			if !slices.Contains(env, v) {
				bad("job %s: the sync step does not get %s", id, strings.ToUpper(v))
			}
		}
	}
	return probs
}

func TestSyncWorkflow(t *testing.T) {
	name := filepath.Join(workflowsDir, "sync.yml")
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkSync(parseWorkflow(t, name, b), "./") {
		t.Errorf("%s: %s", name, p)
	}
	// Both ways of authenticating to Google exist, and exactly one runs.
	w := parseWorkflow(t, name, b)
	var conds []string
	for _, j := range w.Jobs {
		if j.If != nil {
			conds = append(conds, str(j.If))
		}
	}
	slices.Sort(conds)
	want := []string{"vars.GCP_WORKLOAD_IDENTITY_PROVIDER != ''", "vars.GCP_WORKLOAD_IDENTITY_PROVIDER == ''"}
	if !slices.Equal(conds, want) {
		t.Errorf("%s: job conditions %q, want %q (WIF when the variable is set, the key secret otherwise)", name, conds, want)
	}
}

func TestSyncChecksCatchMistakes(t *testing.T) {
	name := filepath.Join(workflowsDir, "sync.yml")
	good, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	keyJob := "    permissions:\n      contents: read\n    steps:\n      - *checkout"
	for _, tc := range []struct {
		name     string
		oldNew   []string // replacement pairs
		wantProb string
	}{
		{"Concurrency", []string{"group: zoho2sheets-sync", "group: other"}, "concurrency group"},
		{"Cancel", []string{"cancel-in-progress: false", "cancel-in-progress: true"}, "cancel-in-progress"},
		{"Injection", []string{"      - &sync\n", "      - run: echo \"${{ inputs.since }}\"\n      - &sync\n"}, "interpolates inputs"},
		{"EventInjection", []string{"      - &sync\n", "      - run: echo \"${{ github.event.inputs.modules }}\"\n      - &sync\n"}, "interpolates inputs"},
		{"NoSchedule", []string{"  schedule:\n", "  push:\n", `    - cron: "17 5 * * *"` + "\n", ""}, "no schedule"},
		{"InputMissing", []string{"      dry_run:\n", "      dry_runs:\n"}, `no input "dry_run"`},
		{"InputType", []string{"type: boolean\n        default: false\n      since:", "type: string\n        default: \"\"\n      since:"}, `input "full" has the wrong type`},
		{"IDTokenOnKeyJob", []string{keyJob, strings.Replace(keyJob, "read\n", "read\n      id-token: write\n", 1)}, "does not use Workload Identity Federation"},
		{"NoIDTokenOnWIFJob", []string{"      id-token: write\n", ""}, "without id-token: write"},
		{"Unpinned", []string{"actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd", "actions/checkout@v6"}, "pin actions"},
		{"NoTimeout", []string{"    timeout-minutes: 60\n" + keyJob, keyJob}, "no timeout-minutes"},
		{"WorkflowWrite", []string{"permissions:\n  contents: read\n\njobs:", "permissions:\n  contents: write\n\njobs:"}, "write"},
		{"NoFullInput", []string{"full: ${{ inputs.full || false }}", "ful: ${{ inputs.full || false }}"}, "full input"},
		{"NoAction", []string{"uses: ./\n", "uses: ./other\n"}, "never runs the zoho2sheets action"},
		{"NoSecret", []string{"          ZOHO_REFRESH_TOKEN: ${{ secrets.ZOHO_REFRESH_TOKEN }}\n", ""}, "ZOHO_REFRESH_TOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.NewReplacer(tc.oldNew...).Replace(string(good))
			for i := 0; i < len(tc.oldNew); i += 2 {
				if !strings.Contains(string(good), tc.oldNew[i]) {
					t.Fatalf("the mutation %q does not apply: update the test", tc.oldNew[i])
				}
			}
			w, errs := actionlint.Parse([]byte(src))
			if w == nil {
				t.Fatalf("mutated workflow does not parse: %v", errs)
			}
			probs := checkSync(w, "./")
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tc.wantProb) }) {
				t.Errorf("want a problem mentioning %q, got %q", tc.wantProb, probs)
			}
		})
	}
}

func TestCIWorkflow(t *testing.T) {
	name := filepath.Join(workflowsDir, "ci.yml")
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	w := parseWorkflow(t, name, b)
	for _, p := range checkCommon(w) {
		t.Errorf("%s: %s", name, p)
	}
	var events []string
	for _, ev := range w.On {
		events = append(events, ev.EventName())
	}
	for _, want := range []string{"push", "pull_request"} {
		if !slices.Contains(events, want) {
			t.Errorf("%s: not run on %s", name, want)
		}
	}
	var scripts strings.Builder
	dockerBuild := false
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			switch e := s.Exec.(type) {
			case *actionlint.ExecRun:
				scripts.WriteString(str(e.Run) + "\n")
			case *actionlint.ExecAction:
				if strings.HasPrefix(str(e.Uses), "docker/build-push-action@") {
					dockerBuild = true
					if p := e.Inputs["push"]; p == nil || str(p.Value) != "false" {
						t.Errorf("%s: the image build must not push", name)
					}
				}
			}
		}
	}
	for _, want := range []string{"gofmt -l", "go vet ./...", "go test -race", "go build"} {
		if !strings.Contains(scripts.String(), want) {
			t.Errorf("%s: no step runs %q", name, want)
		}
	}
	if !dockerBuild && !strings.Contains(scripts.String(), "docker build") {
		t.Errorf("%s: no Docker image build", name)
	}
	// GoReleaser's own check of .goreleaser.yaml, which needs the network
	// (ops/release_test.go checks what it can offline).
	if _, gr := jobUsing(w, "goreleaser/goreleaser-action@"); gr == nil || input(gr, "args") != "check" {
		t.Errorf("%s: no job runs goreleaser check", name)
	}
}
