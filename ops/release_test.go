package ops

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

// goreleaser is the part of .goreleaser.yaml these tests understand. It is
// decoded with unknown keys refused, so a misspelt key fails here, offline;
// CI also runs `goreleaser check` (ci.yml), which knows the whole schema.
type goreleaser struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Before      struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Builds []struct {
		ID           string   `yaml:"id"`
		Main         string   `yaml:"main"`
		Binary       string   `yaml:"binary"`
		Env          []string `yaml:"env"`
		Flags        []string `yaml:"flags"`
		Ldflags      []string `yaml:"ldflags"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
		ModTimestamp string   `yaml:"mod_timestamp"`
	} `yaml:"builds"`
	Archives []struct {
		ID           string   `yaml:"id"`
		IDs          []string `yaml:"ids"`
		Formats      []string `yaml:"formats"`
		NameTemplate string   `yaml:"name_template"`
		Files        []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	Changelog struct {
		Use  string `yaml:"use"`
		Sort string `yaml:"sort"`
	} `yaml:"changelog"`
	Release struct {
		Draft      bool   `yaml:"draft"`
		Prerelease string `yaml:"prerelease"`
	} `yaml:"release"`
}

const goreleaserFile = "../.goreleaser.yaml"

func parseGoReleaser(src []byte) (*goreleaser, error) {
	var g goreleaser
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("%s: %w", goreleaserFile, err)
	}
	return &g, nil
}

func loadGoReleaser() (*goreleaser, error) {
	src, err := os.ReadFile(goreleaserFile)
	if err != nil {
		return nil, err
	}
	return parseGoReleaser(src)
}

// tmplData holds the GoReleaser template fields the configuration may use.
type tmplData struct {
	ProjectName, Version, Tag, Os, Arch, Commit, ShortCommit, Date string
	CommitTimestamp                                                int64
}

// render executes a GoReleaser name or flag template. GoReleaser templates
// are Go templates; a field this test does not know fails loudly.
func render(name, text string, d tmplData) (string, error) {
	tm, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	var b strings.Builder
	if err := tm.Execute(&b, d); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return b.String(), nil
}

// ldflags returns the build's ldflags for version.
func (g *goreleaser) ldflags(version string) (string, error) {
	if len(g.Builds) != 1 {
		return "", fmt.Errorf("%s: want one build, got %d", goreleaserFile, len(g.Builds))
	}
	var parts []string
	for _, l := range g.Builds[0].Ldflags {
		s, err := render("builds.ldflags", l, tmplData{ProjectName: g.ProjectName, Version: version, Tag: "v" + version})
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " "), nil
}

// platform is one GOOS/GOARCH pair.
type platform struct{ os, arch string }

// releasePlatforms are the platforms every release must have binaries for.
var releasePlatforms = []platform{
	{"linux", "amd64"}, {"linux", "arm64"}, {"darwin", "amd64"}, {"darwin", "arm64"}, {"windows", "amd64"}, {"windows", "arm64"},
}

// assetNames returns the archive name per platform and the checksums file
// name of a release.
func (g *goreleaser) assetNames() (map[platform]string, string, error) {
	if len(g.Archives) != 1 {
		return nil, "", fmt.Errorf("want one archive, got %d", len(g.Archives))
	}
	a := g.Archives[0]
	if !slices.Equal(a.Formats, []string{"tar.gz"}) {
		return nil, "", fmt.Errorf("archives.formats %v: scripts/install.sh unpacks tar.gz only", a.Formats)
	}
	names := map[platform]string{}
	for _, p := range releasePlatforms {
		n, err := render("archives.name_template", a.NameTemplate, tmplData{ProjectName: g.ProjectName, Version: "1.2.3", Tag: "v1.2.3", Os: p.os, Arch: p.arch})
		if err != nil {
			return nil, "", err
		}
		names[p] = n + ".tar.gz"
	}
	sums, err := render("checksum.name_template", g.Checksum.NameTemplate, tmplData{ProjectName: g.ProjectName, Version: "1.2.3", Tag: "v1.2.3"})
	return names, sums, err
}

// checkGoReleaser returns what is wrong with the release configuration.
func checkGoReleaser(g *goreleaser, binaryName string) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if g.Version != 2 {
		bad("version: %d, want 2 (GoReleaser v2's schema)", g.Version)
	}
	if g.ProjectName != binaryName {
		bad("project_name %q, want %q", g.ProjectName, binaryName)
	}
	if len(g.Builds) != 1 {
		bad("want one build, got %d", len(g.Builds))
		return probs
	}
	b := g.Builds[0]
	if b.Main != "." || b.Binary != binaryName {
		bad("builds: main %q binary %q, want main . and binary %s", b.Main, b.Binary, binaryName)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		bad("builds.env lacks CGO_ENABLED=0: the binaries must be static")
	}
	if !slices.Contains(b.Flags, "-trimpath") {
		bad("builds.flags lacks -trimpath")
	}
	if l, err := g.ldflags("1.2.3"); err != nil {
		bad("%v", err)
	} else if !strings.Contains(l, "-X main.version=1.2.3") {
		bad("builds.ldflags %q do not stamp the version (-X main.version={{ .Version }})", l)
	}
	var got []platform
	for _, o := range b.Goos {
		for _, a := range b.Goarch {
			got = append(got, platform{o, a})
		}
	}
	for _, p := range releasePlatforms {
		if !slices.Contains(got, p) {
			bad("no %s/%s build (goos/goarch)", p.os, p.arch)
		}
	}
	if _, _, err := g.assetNames(); err != nil {
		bad("%v", err)
	}
	if g.Checksum.Algorithm != "" && g.Checksum.Algorithm != "sha256" {
		bad("checksum.algorithm %q: scripts/install.sh verifies sha256", g.Checksum.Algorithm)
	}
	return probs
}

// moduleRepo returns "owner/name" of the GitHub repository go.mod's module
// path names: where releases, the image and the action live.
func moduleRepo(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if m, ok := strings.CutPrefix(strings.TrimSpace(l), "module "); ok {
			if r, ok := strings.CutPrefix(strings.TrimSpace(m), "github.com/"); ok {
				return r
			}
			t.Fatalf("go.mod: module %s is not on github.com", m)
		}
	}
	t.Fatal("go.mod: no module line")
	return ""
}

func TestGoReleaserConfig(t *testing.T) {
	g, err := loadGoReleaser()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkGoReleaser(g, path.Base(moduleRepo(t))) {
		t.Errorf("%s: %s", goreleaserFile, p)
	}
}

func TestGoReleaserChecksCatchMistakes(t *testing.T) {
	good, err := os.ReadFile(goreleaserFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, old, new, want string }{
		{"NoArm64", "goarch: [amd64, arm64]", "goarch: [amd64]", "linux/arm64"},
		{"NoWindows", "goos: [linux, darwin, windows]", "goos: [linux, darwin]", "windows/amd64"},
		{"Cgo", "- CGO_ENABLED=0", "- CGO_ENABLED=1", "static"},
		{"NoVersion", "-X main.version={{ .Version }}", "-X main.commit={{ .Commit }}", "stamp"},
		{"Zip", "formats: [tar.gz]", "formats: [zip]", "tar.gz"},
		{"BadField", "{{ .ProjectName }}_{{ .Os }}", "{{ .ProjectName }}_{{ .Goos }}", "Goos"},
		{"Sha512", "algorithm: sha256", "algorithm: sha512", "sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(good, []byte(tc.old)) {
				t.Fatalf("the mutation %q does not apply: update the test", tc.old)
			}
			g, err := parseGoReleaser(bytes.Replace(good, []byte(tc.old), []byte(tc.new), 1))
			if err != nil {
				t.Fatal(err)
			}
			probs := checkGoReleaser(g, "zoho2sheets")
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("want a problem mentioning %q, got %q", tc.want, probs)
			}
		})
	}
	// A misspelt key is an error, not a silently ignored setting.
	if _, err := parseGoReleaser(bytes.Replace(good, []byte("name_template: checksums.txt"), []byte("name_templat: checksums.txt"), 1)); err == nil {
		t.Error("a misspelt key parsed without error")
	}
}

// jobUsing returns the job and step that use the action prefix.
func jobUsing(w *actionlint.Workflow, prefix string) (*actionlint.Job, *actionlint.ExecAction) {
	for _, j := range w.Jobs {
		if e := uses(j, prefix); e != nil {
			return j, e
		}
	}
	return nil, nil
}

func input(e *actionlint.ExecAction, name string) string {
	if in := e.Inputs[name]; in != nil {
		return str(in.Value)
	}
	return ""
}

// checkRelease returns what is wrong with the release workflow.
func checkRelease(w *actionlint.Workflow) []string {
	probs := checkCommon(w)
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	tags := false
	for _, ev := range w.On {
		if wh, ok := ev.(*actionlint.WebhookEvent); ok && wh.EventName() == "push" {
			for _, f := range []*actionlint.WebhookEventFilter{wh.Tags} {
				tags = tags || (f != nil && len(f.Values) > 0)
			}
			if wh.Branches != nil && len(wh.Branches.Values) > 0 {
				bad("runs on pushes to branches: a release is made from a version tag only")
			}
		}
	}
	if !tags {
		bad("not run on pushed version tags (on: push: tags: [v…])")
	}
	if j, gr := jobUsing(w, "goreleaser/goreleaser-action@"); gr == nil {
		bad("no goreleaser/goreleaser-action step")
	} else {
		if !strings.HasPrefix(input(gr, "args"), "release") {
			bad("goreleaser runs %q, want release", input(gr, "args"))
		}
		if scope(j.Permissions, "contents") != "write" {
			bad("the GoReleaser job needs contents: write (it creates the release)")
		}
		if scope(j.Permissions, "packages") == "write" {
			bad("the GoReleaser job has packages: write, which it does not need")
		}
		if sg := uses(j, "actions/setup-go@"); sg == nil || input(sg, "go-version-file") != "go.mod" {
			bad("the GoReleaser job must set up Go from go.mod (go-version-file: go.mod)")
		}
		if co := uses(j, "actions/checkout@"); co == nil || input(co, "fetch-depth") != "0" {
			bad("the GoReleaser job must check out the whole history (fetch-depth: 0)")
		}
	}
	j, bp := jobUsing(w, "docker/build-push-action@")
	if bp == nil {
		bad("no docker/build-push-action step")
		return probs
	}
	if input(bp, "push") != "true" {
		bad("the image is not pushed (push: true)")
	}
	for _, p := range []string{"linux/amd64", "linux/arm64"} {
		if !strings.Contains(input(bp, "platforms"), p) {
			bad("the image is not built for %s", p)
		}
	}
	if !strings.Contains(input(bp, "build-args"), "VERSION=") {
		bad("the image build does not pass VERSION (the Dockerfile stamps it into the binary)")
	}
	if scope(j.Permissions, "packages") != "write" || scope(j.Permissions, "contents") == "write" {
		bad("the image job needs packages: write and no contents: write")
	}
	if l := uses(j, "docker/login-action@"); l == nil || input(l, "registry") != "ghcr.io" {
		bad("the image job does not log in to ghcr.io")
	}
	meta := uses(j, "docker/metadata-action@")
	if meta == nil {
		bad("no docker/metadata-action step (the version and latest tags)")
		return probs
	}
	if input(meta, "images") != "ghcr.io/${{ github.repository }}" {
		bad("metadata-action images %q, want ghcr.io/${{ github.repository }}", input(meta, "images"))
	}
	if !strings.Contains(input(meta, "tags"), "type=semver,pattern={{version}}") {
		bad("no version tag (type=semver,pattern={{version}})")
	}
	if !strings.Contains(input(meta, "flavor"), "latest=auto") && !strings.Contains(input(meta, "tags"), "value=latest") {
		bad("no latest tag")
	}
	if !strings.Contains(input(bp, "tags"), "steps.meta.outputs.tags") {
		bad("build-push-action does not take its tags from the metadata step")
	}
	return probs
}

func TestReleaseWorkflow(t *testing.T) {
	name := filepath.Join(workflowsDir, "release.yml")
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkRelease(parseWorkflow(t, name, b)) {
		t.Errorf("%s: %s", name, p)
	}
}

func TestReleaseChecksCatchMistakes(t *testing.T) {
	name := filepath.Join(workflowsDir, "release.yml")
	good, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, old, new, want string }{
		{"NoPush", "push: true", "push: false", "not pushed"},
		{"NoArm", "platforms: linux/amd64,linux/arm64", "platforms: linux/amd64", "linux/arm64"},
		{"NoLatest", "latest=auto", "latest=false", "latest"},
		{"ReleaseNoWrite", "contents: write # create", "contents: read # create", "contents: write"},
		{"Branches", `tags: ["v[0-9]+.[0-9]+.[0-9]+*"]`, "branches: [main]", "version tags"},
		{"NoVersionArg", "build-args: VERSION=", "build-args: V=", "VERSION"},
		{"Unpinned", "docker/login-action@b45d80f862d83dbcd57f89517bcf500b2ab88fb2", "docker/login-action@v4", "pin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(good, []byte(tc.old)) {
				t.Fatalf("the mutation %q does not apply: update the test", tc.old)
			}
			w, errs := actionlint.Parse(bytes.Replace(good, []byte(tc.old), []byte(tc.new), 1))
			if w == nil {
				t.Fatalf("does not parse: %v", errs)
			}
			probs := checkRelease(w)
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("want a problem mentioning %q, got %q", tc.want, probs)
			}
		})
	}
}

// dependabot is the part of .github/dependabot.yml checked here.
type dependabot struct {
	Version int `yaml:"version"`
	Updates []struct {
		Ecosystem   string   `yaml:"package-ecosystem"`
		Directory   string   `yaml:"directory"`
		Directories []string `yaml:"directories"`
		Schedule    struct {
			Interval string `yaml:"interval"`
		} `yaml:"schedule"`
	} `yaml:"updates"`
}

// checkDependabot returns what is wrong with a Dependabot configuration:
// Go modules, the actions (workflows and the root action.yml, directory "/")
// and the Dockerfile's base images must all be watched.
func checkDependabot(src []byte) []string {
	var d dependabot
	if err := yaml.Unmarshal(src, &d); err != nil {
		return []string{err.Error()}
	}
	var probs []string
	if d.Version != 2 {
		probs = append(probs, fmt.Sprintf("version %d, want 2", d.Version))
	}
	for _, eco := range []string{"gomod", "github-actions", "docker"} {
		found := false
		for _, u := range d.Updates {
			if u.Ecosystem == eco && (u.Directory == "/" || slices.Contains(u.Directories, "/")) {
				found = true
				if u.Schedule.Interval == "" {
					probs = append(probs, fmt.Sprintf("%s: no schedule.interval", eco))
				}
			}
		}
		if !found {
			probs = append(probs, fmt.Sprintf("no %s updates for directory /", eco))
		}
	}
	return probs
}

func TestDependabot(t *testing.T) {
	b, err := os.ReadFile("../.github/dependabot.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkDependabot(b) {
		t.Errorf(".github/dependabot.yml: %s", p)
	}
	for _, tc := range []struct{ old, new string }{
		{"package-ecosystem: docker", "package-ecosystem: npm"},
		{"package-ecosystem: github-actions\n    directory: /", "package-ecosystem: github-actions\n    directory: /.github/workflows"},
		{"version: 2", "version: 1"},
	} {
		if !bytes.Contains(b, []byte(tc.old)) {
			t.Fatalf("the mutation %q does not apply: update the test", tc.old)
		}
		if len(checkDependabot(bytes.Replace(b, []byte(tc.old), []byte(tc.new), 1))) == 0 {
			t.Errorf("dependabot check misses %q → %q", tc.old, tc.new)
		}
	}
}
