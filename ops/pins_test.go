package ops

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// usesLine matches a `uses:` line of a workflow or action: the reference
// and whatever follows it (the version comment).
var usesLine = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?(.*)$`)

var (
	shaRef     = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	versionTag = regexp.MustCompile(`^\s*#\s*v\d+(\.\d+)*\b`)
)

// checkPins returns the `uses:` lines of src that are not pinned to a full
// commit SHA with its version as a comment (uses: o/r@<sha> # v1.2.3).
// OpenSSF Scorecard's Pinned-Dependencies asks for the SHA; the comment is
// what Dependabot reads and updates, and what a reviewer reads.
func checkPins(src string) []string {
	var probs []string
	for i, l := range strings.Split(src, "\n") {
		m := usesLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		ref, rest := m[1], m[2]
		switch {
		case strings.HasPrefix(ref, "./"), regexp.MustCompile(`^` + regexp.QuoteMeta(ownRepo) + `@v\d+$`).MatchString(ref):
			// this repository's own action
		case !shaRef.MatchString(ref):
			probs = append(probs, fmt.Sprintf("line %d: %s is not pinned to a full 40-hex commit SHA", i+1, ref))
		case !versionTag.MatchString(rest):
			probs = append(probs, fmt.Sprintf("line %d: %s has no version comment (# v1.2.3)", i+1, ref))
		}
	}
	return probs
}

// Every third-party action in every workflow, example and action.yml is
// pinned to a commit SHA.
func TestActionsPinned(t *testing.T) {
	files := append(workflowFiles(t), actionFile)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range checkPins(string(b)) {
			t.Errorf("%s: %s", f, p)
		}
		n += strings.Count(string(b), "uses:")
	}
	if n < 10 {
		t.Errorf("found %d uses: in %d files; the scan is broken", n, len(files))
	}
}

func TestPinChecksCatchMistakes(t *testing.T) {
	for _, tc := range []struct {
		line string
		want string // "" for a good line
	}{
		{"      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2", ""},
		{`        uses: "docker/build-push-action@d08e5c354a6adb9ed34480a06d141179aa583294" # v7.0.0`, ""},
		{"      - uses: ./", ""},
		{"      - uses: " + ownRepo + "@v1", ""},
		{"      - uses: actions/checkout@v6", "not pinned"},
		{"      - uses: actions/checkout@main # v6.0.2", "not pinned"},
		{"      - uses: actions/checkout@de0fac2e # v6.0.2", "not pinned"},
		{"      - uses: actions/checkout@DE0FAC2E4500DABE0009E67214FF5F5447CE83DD # v6.0.2", "not pinned"},
		{"      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd", "no version comment"},
		{"      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # pinned", "no version comment"},
		{"      - uses: other/zoho2sheets@v1", "not pinned"},
		{"    uses: github/codeql-action/init@v3", "not pinned"},
	} {
		probs := checkPins("steps:\n" + tc.line + "\n")
		switch {
		case tc.want == "" && len(probs) > 0:
			t.Errorf("%q: %q, want no problem", tc.line, probs)
		case tc.want != "" && !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tc.want) }):
			t.Errorf("%q: %q, want a problem mentioning %q", tc.line, probs, tc.want)
		}
	}
}

// ownRepo is the repository go.mod names.
func TestOwnRepo(t *testing.T) {
	if got := moduleRepo(t); got != ownRepo {
		t.Errorf("go.mod's module is github.com/%s; ownRepo is %s: update it", got, ownRepo)
	}
	b, err := os.ReadFile(installScript)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://github.com/" + ownRepo + "/releases"; !strings.Contains(string(b), want) {
		t.Errorf("%s does not download from %s", installScript, want)
	}
	examples, err := filepath.Glob(filepath.Join(examplesDir, "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range examples {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "uses: "+ownRepo+"@v") {
			t.Errorf("%s does not use the action %s", f, ownRepo)
		}
	}
}
