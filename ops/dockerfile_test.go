package ops

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

const (
	binaryPath  = "/zoho2sheets"
	mappingPath = "/etc/zoho2sheets/mapping.yaml"
)

// goDirective returns the version of go.mod's `go` line. A tiny parse:
// golang.org/x/mod is not a dependency of the module.
func goDirective(gomod []byte) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "go" {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("no go directive in go.mod")
}

// secretName matches ARG/ENV names that look like they hold a credential:
// build args and env end up in the image's history and config.
var secretName = regexp.MustCompile(`(?i)SECRET|TOKEN|KEY|PASSW(OR)?D|CREDENTIAL|WEBHOOK`)

// stage is one FROM … section of a Dockerfile.
type stage struct {
	base, name string
	platform   string // FROM --platform=…
	cmds       []*parser.Node
}

// args returns the arguments of an instruction node.
func args(n *parser.Node) []string {
	var a []string
	for x := n.Next; x != nil; x = x.Next {
		a = append(a, x.Value)
	}
	return a
}

// flag returns the value of --name=value on an instruction.
func flag(n *parser.Node, name string) string {
	for _, f := range n.Flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// argNames returns the names an ARG or ENV instruction declares.
func argNames(n *parser.Node) []string {
	a := args(n)
	var names []string
	switch strings.ToLower(n.Value) {
	case "arg":
		for _, kv := range a {
			k, _, _ := strings.Cut(kv, "=")
			names = append(names, k)
		}
	case "env": // key, value, separator triplets
		for i := 0; i < len(a); i += 3 {
			names = append(names, a[i])
		}
	}
	return names
}

// envValue returns the value ENV instruction n gives key, if any.
func envValue(n *parser.Node, key string) (string, bool) {
	a := args(n)
	for i := 0; i+1 < len(a); i += 3 {
		if a[i] == key {
			return a[i+1], true
		}
	}
	return "", false
}

// checkDockerfile returns what is wrong with the Dockerfile src, given the
// Go version go.mod asks for. It works on BuildKit's parse tree (the
// instructions package would pull in more modules than go.sum has).
func checkDockerfile(src []byte, goVersion string) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return []string{"parse: " + err.Error()}
	}
	for _, w := range res.Warnings {
		bad("parser warning at line %d: %s", w.Location.Start.Line, w.Short)
	}

	// ARG/ENV names that look like secrets, anywhere (also before FROM).
	var stages []*stage
	for _, n := range res.AST.Children {
		for _, name := range argNames(n) {
			if secretName.MatchString(name) {
				bad("line %d: %s %s looks like a secret: pass secrets at run time (docker run -e), never at build time",
					n.StartLine, strings.ToUpper(n.Value), name)
			}
		}
		if strings.EqualFold(n.Value, "from") {
			a := args(n)
			st := &stage{platform: flag(n, "platform")}
			if len(a) > 0 {
				st.base = a[0]
			}
			if len(a) == 3 && strings.EqualFold(a[1], "as") {
				st.name = strings.ToLower(a[2])
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].cmds = append(stages[len(stages)-1].cmds, n)
		}
	}
	if len(stages) < 2 {
		bad("want a multi-stage build (a Go builder and a small runtime image), got %d stage(s)", len(stages))
		return probs
	}

	seen := map[string]bool{}
	var builder *stage
	for i, s := range stages {
		// Base images: pinned by tag (not latest) or digest, unless an
		// earlier stage.
		if !seen[strings.ToLower(s.base)] && s.base != "scratch" {
			if _, tag, digest := splitImage(s.base); digest == "" && (tag == "" || tag == "latest") {
				bad("stage %d: base image %q is not pinned: use an explicit version tag or a digest", i, s.base)
			}
		}
		if s.name != "" {
			seen[s.name] = true
		}
		if repo, _, _ := splitImage(s.base); builder == nil && path.Base(repo) == "golang" {
			builder = s
		}
	}
	if builder == nil {
		bad("no builder stage FROM golang:<version>")
	} else {
		_, tag, _ := splitImage(builder.base)
		v, _, _ := strings.Cut(tag, "-")
		if v != goVersion {
			bad("builder image %s has Go %q; go.mod's go directive is %s: use golang:%s-bookworm", builder.base, v, goVersion, goVersion)
		}
		probs = append(probs, checkBuild(builder)...)
	}
	final := stages[len(stages)-1]
	if builder == final {
		bad("the final stage is the Go builder: copy the binary into a small runtime image")
	}
	return append(probs, checkFinal(final, builder)...)
}

// checkBuild checks the builder stage's go build.
func checkBuild(s *stage) []string {
	var probs []string
	cgoOff := false
	var build string
	for _, n := range s.cmds {
		switch strings.ToLower(n.Value) {
		case "env":
			if v, ok := envValue(n, "CGO_ENABLED"); ok {
				cgoOff = v == "0"
			}
		case "run":
			if line := strings.Join(args(n), " "); strings.Contains(line, "go build") {
				build = line
			}
		}
	}
	if build == "" {
		return []string{"builder stage: no RUN … go build"}
	}
	if !cgoOff && !strings.Contains(build, "CGO_ENABLED=0") {
		probs = append(probs, "builder stage: go build without CGO_ENABLED=0 (the distroless static image has no libc)")
	}
	for _, want := range []string{"-trimpath", "-X main.version="} {
		if !strings.Contains(build, want) {
			probs = append(probs, fmt.Sprintf("builder stage: go build lacks %s", want))
		}
	}
	// A builder on the build machine's platform (multi-platform images,
	// release.yml) must compile for the target's, or the arm64 image gets
	// the amd64 binary.
	if strings.Contains(s.platform, "BUILDPLATFORM") {
		for _, v := range []string{"GOOS=$TARGETOS", "GOARCH=$TARGETARCH"} {
			if !strings.Contains(build, v) {
				probs = append(probs, fmt.Sprintf("builder stage: FROM --platform=%s but go build lacks %s (the image would hold the build machine's binary)", s.platform, v))
			}
		}
	}
	return probs
}

// checkFinal checks the runtime stage.
func checkFinal(s *stage, builder *stage) []string {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	var user string
	var entry, cmd *parser.Node
	copiedBinary, copiedMapping, exposed := false, false, false
	for _, n := range s.cmds {
		a := args(n)
		switch strings.ToLower(n.Value) {
		case "user":
			if len(a) > 0 {
				user = a[0]
			}
		case "entrypoint":
			entry = n
		case "cmd":
			cmd = n
		case "expose":
			exposed = exposed || slices.ContainsFunc(a, func(p string) bool { return strings.HasPrefix(p, "9090") })
		case "copy":
			if len(a) < 2 {
				continue
			}
			from, dest, srcs := flag(n, "from"), a[len(a)-1], a[:len(a)-1]
			if builder != nil && from != "" && strings.EqualFold(from, builder.name) && dest == binaryPath {
				copiedBinary = true
			}
			if from == "" && dest == mappingPath && slices.Contains(srcs, "mapping.yaml") {
				copiedMapping = true
			}
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		bad("final stage runs as root (USER %q): set a non-root USER, e.g. 65532:65532", user)
	}
	if entry == nil || !entry.Attributes["json"] || len(args(entry)) == 0 || args(entry)[0] != binaryPath {
		bad("final stage: want ENTRYPOINT [%q] (exec form, so signals reach the binary)", binaryPath)
	}
	if !copiedBinary {
		bad("final stage: the binary is not copied from the builder to %s", binaryPath)
	}
	if !copiedMapping {
		bad("final stage: mapping.yaml is not baked in at %s", mappingPath)
	}
	if cmd == nil || !cmd.Attributes["json"] || !slices.Contains(args(cmd), mappingPath) {
		bad("final stage: want CMD [\"--config\", %q, …] (exec form)", mappingPath)
	} else if slices.Contains(args(cmd), "--once") {
		bad("final stage: the default CMD should run the daemon, not --once")
	}
	if !exposed {
		bad("final stage: EXPOSE 9090 (metrics) missing")
	}
	return probs
}

// splitImage splits "gcr.io/x/y:tag@sha256:…" into repository, tag and digest.
func splitImage(ref string) (repo, tag, digest string) {
	repo, digest, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo, tag = repo[:i], repo[i+1:]
	}
	return repo, tag, digest
}

func TestDockerfile(t *testing.T) {
	src, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion, err := goDirective(gomod)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkDockerfile(src, goVersion) {
		t.Errorf("Dockerfile: %s", p)
	}
}

// The checks must catch what they claim to catch.
func TestDockerfileChecksCatchMistakes(t *testing.T) {
	good, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dockerfile, want string
	}{
		{"GoVersionDrift", strings.Replace(string(good), "golang:1.26.8-", "golang:1.25.3-", 1), "go directive"},
		{"SingleStage", "FROM golang:1.26.8-bookworm\nRUN CGO_ENABLED=0 go build -trimpath -ldflags \"-X main.version=1\" .\nENTRYPOINT [\"/zoho2sheets\"]\n", "multi-stage"},
		{"Latest", strings.Replace(string(good), "static-debian12:nonroot", "static-debian12:latest", 1), "not pinned"},
		{"NoTag", strings.Replace(string(good), "static-debian12:nonroot", "static-debian12", 1), "not pinned"},
		{"Root", strings.Replace(string(good), "USER 65532:65532", "USER root", 1), "runs as root"},
		{"NoUser", strings.Replace(string(good), "USER 65532:65532", "", 1), "runs as root"},
		{"Cgo", strings.NewReplacer("ENV CGO_ENABLED=0 ", "ENV ", "CGO_ENABLED=0 go build", "go build").Replace(string(good)), "CGO_ENABLED=0"},
		{"SecretArg", strings.Replace(string(good), "ARG VERSION=dev", "ARG VERSION=dev\nARG ZOHO_CLIENT_SECRET", 1), "looks like a secret"},
		{"SecretEnv", strings.Replace(string(good), "WORKDIR /home/nonroot", "WORKDIR /home/nonroot\nENV GOOGLE_CREDENTIALS_JSON=x", 1), "looks like a secret"},
		{"ShellEntrypoint", strings.Replace(string(good), `ENTRYPOINT ["/zoho2sheets"]`, `ENTRYPOINT /zoho2sheets`, 1), "ENTRYPOINT"},
		{"WrongEntrypoint", strings.Replace(string(good), `ENTRYPOINT ["/zoho2sheets"]`, `ENTRYPOINT ["/bin/sh"]`, 1), "ENTRYPOINT"},
		{"NoCrossCompile", strings.Replace(string(good), "GOARCH=$TARGETARCH ", "", 1), "GOARCH=$TARGETARCH"},
		{"OnceByDefault", strings.Replace(string(good), `CMD ["--config", "/etc/zoho2sheets/mapping.yaml"`, `CMD ["--config", "/etc/zoho2sheets/mapping.yaml", "--once"`, 1), "daemon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.dockerfile == string(good) {
				t.Fatal("the mutation did not change the Dockerfile: update the test")
			}
			probs := checkDockerfile([]byte(tc.dockerfile), "1.26.8")
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("want a problem mentioning %q, got %q", tc.want, probs)
			}
		})
	}
}

func TestGoDirective(t *testing.T) {
	v, err := goDirective([]byte("module x\n\n// go 1.1 in a comment\ngo 1.26.8\n\ntoolchain go1.26.9\n"))
	if err != nil || v != "1.26.8" {
		t.Errorf("goDirective = %q, %v; want 1.26.8", v, err)
	}
	if _, err := goDirective([]byte("module x\n")); err == nil {
		t.Error("goDirective of a go.mod without a go line: no error")
	}
}

func TestDockerignore(t *testing.T) {
	b, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for l := range strings.Lines(string(b)) {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	for _, want := range []string{".git", ".env", "**/gha-creds-*.json", "/*.json", "**/*.pem"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %q (keep credentials and VCS data out of the build context)", want)
		}
	}
	for _, l := range lines {
		if l == "mapping.yaml" || l == "*.go" || l == "go.sum" || l == "go.mod" {
			t.Errorf(".dockerignore excludes %q, which the build needs", l)
		}
	}
}

// ignored reports whether a .dockerignore pattern list excludes the
// root-level file name. A simplification of BuildKit's matcher, enough for
// root-level names: "/x", "x" and "**/x" patterns, with "!" exceptions.
func ignored(patterns []string, name string) bool {
	out := false
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(strings.TrimPrefix(p, "!"), "/")
		p = strings.TrimPrefix(p, "**/")
		if ok, _ := path.Match(p, name); ok {
			out = !neg
		}
	}
	return out
}

// The files the Dockerfile copies from the build context exist and are not
// excluded by .dockerignore, or `docker build` fails.
func TestDockerContextHasWhatTheBuildCopies(t *testing.T) {
	src, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	ign, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for l := range strings.Lines(string(ign)) {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range res.AST.Children {
		if !strings.EqualFold(n.Value, "copy") || flag(n, "from") != "" {
			continue
		}
		a := args(n)
		for _, s := range a[:len(a)-1] {
			if s == "." {
				continue
			}
			if _, err := os.Stat(filepath.Join("..", s)); err != nil {
				t.Errorf("Dockerfile line %d copies %s, which is not in the repository", n.StartLine, s)
			}
			if ignored(patterns, s) {
				t.Errorf("Dockerfile line %d copies %s, which .dockerignore excludes", n.StartLine, s)
			}
		}
	}
	if !ignored(patterns, "my-project-1a2b3c4d.json") || !ignored(patterns, "gha-creds-0123.json") || ignored(patterns, "go.sum") {
		t.Errorf("the .dockerignore matcher is wrong: update the test")
	}
}
