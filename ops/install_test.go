package ops

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

const installScript = "../scripts/install.sh"

// fakeRelease serves releases laid out like GitHub's:
// /releases/download/<tag>/<asset>, and /releases/latest/download/<asset>
// redirecting to the latest tag. Asset names come from .goreleaser.yaml, so
// the script is tested against what a release really holds.
type fakeRelease struct {
	latest   string                       // tag; "" when nothing is released
	tags     map[string]map[string][]byte // tag → asset name → content
	mu       sync.Mutex
	requests []string
}

// newFakeRelease returns releases of the given versions (1.2.3, …), each
// with every platform's archive and a correct checksums file; latest is the
// last.
func newFakeRelease(t *testing.T, versions ...string) *fakeRelease {
	t.Helper()
	g, names, sums := releaseAssets(t)
	f := &fakeRelease{tags: map[string]map[string][]byte{}}
	for _, v := range versions {
		assets := map[string][]byte{}
		var sumsFile strings.Builder
		for p, name := range names {
			exe := g.Builds[0].Binary
			if p.os == "windows" {
				exe += ".exe"
			}
			assets[name] = tarGz(t, map[string]string{exe: fakeBinary(v), "README.md": "# zoho2sheets\n"})
			h := sha256.Sum256(assets[name])
			fmt.Fprintf(&sumsFile, "%s  %s\n", hex.EncodeToString(h[:]), name)
		}
		assets[sums] = []byte(sumsFile.String())
		f.tags["v"+v] = assets
		f.latest = "v" + v
	}
	return f
}

// fakeBinary is a released "binary" of version v: it prints the version
// like zoho2sheets does, and otherwise writes its arguments, one a line, to
// $ARGS_OUT.
func fakeBinary(v string) string {
	return "#!/bin/sh\nif [ \"$1\" = version ]; then echo 'zoho2sheets " + v + "'; exit 0; fi\n" +
		"for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$ARGS_OUT\"\n"
}

func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(files[name]))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (f *fakeRelease) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.Path)
	f.mu.Unlock()
	if asset, ok := strings.CutPrefix(r.URL.Path, "/releases/latest/download/"); ok {
		if f.latest == "" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, "/releases/download/"+f.latest+"/"+asset, http.StatusFound)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/releases/download/")
	tag, asset, _ := strings.Cut(rest, "/")
	if b, found := f.tags[tag][asset]; ok && found {
		w.Write(b)
		return
	}
	http.NotFound(w, r)
}

// assets returns the asset names requested, in order.
func (f *fakeRelease) assets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var a []string
	for _, p := range f.requests {
		if !strings.HasPrefix(p, "/releases/latest/") {
			a = append(a, p[strings.LastIndexByte(p, '/')+1:])
		}
	}
	return a
}

type installResult struct {
	stdout, stderr string
	code           int
	dir            string // the install directory
}

// runInstall runs scripts/install.sh with shell against the fake release
// served at url.
func runInstall(t *testing.T, shell, url string, env map[string]string) installResult {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	dir := filepath.Join(t.TempDir(), "bin")
	cmd := exec.Command(shell, installScript)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "ZOHO2SHEETS_RELEASES_URL=" + url + "/releases", "ZOHO2SHEETS_INSTALL_DIR=" + dir,
		"RUNNER_OS=Linux", "RUNNER_ARCH=X64", "TMPDIR=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := installResult{stdout: stdout.String(), stderr: stderr.String(), dir: dir}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return res
}

// installed checks that a run succeeded and installed the binary of want.
func (r installResult) installed(t *testing.T, exe, want string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	path := filepath.Join(r.dir, exe)
	if got := strings.TrimSpace(r.stdout); got != path {
		t.Errorf("stdout %q, want the binary's path %q", got, path)
	}
	out, err := exec.Command("sh", path, "version").Output()
	if err != nil {
		t.Fatalf("the installed binary: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != "zoho2sheets "+want {
		t.Errorf("installed %q, want zoho2sheets %s", got, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("the binary is not executable: %v %v", fi, err)
	}
}

// refused checks a run's exit status and message, and that nothing was
// installed.
func (r installResult) refused(t *testing.T, code int, msg string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\n%s", r.code, code, r.stderr)
	}
	if !strings.Contains(r.stderr, msg) {
		t.Errorf("stderr lacks %q:\n%s", msg, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q, want nothing (only a path on success)", r.stdout)
	}
	if entries, _ := os.ReadDir(r.dir); len(entries) > 0 {
		t.Errorf("installed %v although refused", entries)
	}
}

func TestInstallFromRelease(t *testing.T) {
	for _, sh := range shells(t) {
		t.Run(filepath.Base(sh), func(t *testing.T) {
			for _, tc := range []struct{ version, want string }{
				{"v1.2.3", "1.2.3"}, {"1.2.3", "1.2.3"}, {"v1.1.0", "1.1.0"},
				{"latest", "1.2.3"}, {"v1", "1.2.3"}, {"v1.2", "1.2.3"},
			} {
				t.Run(tc.version, func(t *testing.T) {
					srv := httptest.NewServer(newFakeRelease(t, "1.1.0", "1.2.3"))
					defer srv.Close()
					runInstall(t, sh, srv.URL, map[string]string{"ZOHO2SHEETS_VERSION": tc.version}).installed(t, "zoho2sheets", tc.want)
				})
			}
		})
	}
}

// releaseAssets returns the release configuration, its archive name per
// platform and its checksums file name.
func releaseAssets(t *testing.T) (*goreleaser, map[platform]string, string) {
	t.Helper()
	g, err := loadGoReleaser()
	if err != nil {
		t.Fatal(err)
	}
	names, sums, err := g.assetNames()
	if err != nil {
		t.Fatal(err)
	}
	return g, names, sums
}

// Every platform downloads the archive GoReleaser makes for it, and the
// checksums file GoReleaser writes.
func TestInstallNamesMatchGoReleaser(t *testing.T) {
	_, names, sums := releaseAssets(t)
	runnerOS := map[string]string{"linux": "Linux", "darwin": "macOS", "windows": "Windows"}
	runnerArch := map[string]string{"amd64": "X64", "arm64": "ARM64"}
	for _, p := range releasePlatforms {
		t.Run(p.os+"_"+p.arch, func(t *testing.T) {
			f := newFakeRelease(t, "1.2.3")
			srv := httptest.NewServer(f)
			defer srv.Close()
			exe := "zoho2sheets"
			if p.os == "windows" {
				exe += ".exe"
			}
			runInstall(t, "sh", srv.URL, map[string]string{"ZOHO2SHEETS_VERSION": "v1.2.3", "RUNNER_OS": runnerOS[p.os], "RUNNER_ARCH": runnerArch[p.arch]}).
				installed(t, exe, "1.2.3")
			if got, want := f.assets(), []string{names[p], sums}; !slices.Equal(got, want) {
				t.Errorf("downloaded %q, want %q (.goreleaser.yaml's names)", got, want)
			}
		})
	}
}

// A download that does not match the release's checksums is never
// installed, and the error says why.
func TestInstallRefusesBadChecksums(t *testing.T) {
	_, names, sums := releaseAssets(t)
	linux := names[platform{"linux", "amd64"}]
	for _, tc := range []struct {
		name   string
		tamper func(assets map[string][]byte)
		msg    string
	}{
		{"TamperedArchive", func(a map[string][]byte) { a[linux] = append(a[linux], 0) }, "checksum mismatch for " + linux},
		{"TamperedSum", func(a map[string][]byte) {
			a[sums] = bytes.Replace(a[sums], []byte("  "+linux), []byte("0  "+linux), 1)
			a[sums] = append([]byte(strings.Repeat("0", 64)+"  "+linux+"\n"), a[sums]...)
		}, "checksum mismatch"},
		{"NotListed", func(a map[string][]byte) { a[sums] = bytes.ReplaceAll(a[sums], []byte(linux), []byte("other.tar.gz")) }, "lists no " + linux},
		{"NoChecksums", func(a map[string][]byte) { delete(a, sums) }, "no readable " + sums},
		{"NotAnArchive", func(a map[string][]byte) {
			a[linux] = []byte("<html>not found</html>")
			h := sha256.Sum256(a[linux])
			a[sums] = []byte(hex.EncodeToString(h[:]) + "  " + linux + "\n")
		}, "has no zoho2sheets"},
	} {
		for _, sh := range shells(t) {
			t.Run(tc.name+"/"+filepath.Base(sh), func(t *testing.T) {
				f := newFakeRelease(t, "1.2.3")
				tc.tamper(f.tags["v1.2.3"])
				srv := httptest.NewServer(f)
				defer srv.Close()
				runInstall(t, sh, srv.URL, map[string]string{"ZOHO2SHEETS_VERSION": "v1.2.3"}).refused(t, 1, tc.msg)
			})
		}
	}
}

// No release for the ref (a branch, a commit, a version never released, a
// major version the latest release is not, a platform without a build):
// exit status 3, which action.yml answers by building from source.
func TestInstallNoRelease(t *testing.T) {
	for _, tc := range []struct {
		name     string
		released []string
		env      map[string]string
		msg      string
		download bool // whether anything may be downloaded
	}{
		{"Unreleased", []string{"1.2.3"}, map[string]string{"ZOHO2SHEETS_VERSION": "v9.9.9"}, "no release asset", true},
		{"NothingReleased", nil, map[string]string{"ZOHO2SHEETS_VERSION": "latest"}, "no release asset", true},
		{"OtherMajor", []string{"1.2.3", "2.0.0"}, map[string]string{"ZOHO2SHEETS_VERSION": "v1"}, "the latest release is 2.0.0", true},
		{"OtherMinor", []string{"1.2.3"}, map[string]string{"ZOHO2SHEETS_VERSION": "v1.3"}, "the latest release is 1.2.3", true},
		{"Branch", []string{"1.2.3"}, map[string]string{"ZOHO2SHEETS_VERSION": "main"}, "not a release tag", false},
		{"Commit", []string{"1.2.3"}, map[string]string{"ZOHO2SHEETS_VERSION": "0123456789abcdef0123456789abcdef01234567"}, "not a release tag", false},
		{"LocalAction", []string{"1.2.3"}, map[string]string{"ZOHO2SHEETS_VERSION": ""}, "no version given", false},
		{"Arch", []string{"1.2.3"}, map[string]string{"ZOHO2SHEETS_VERSION": "v1.2.3", "RUNNER_ARCH": "X86"}, "no release for the architecture X86", false},
		{"OS", []string{"1.2.3"}, map[string]string{"ZOHO2SHEETS_VERSION": "v1.2.3", "RUNNER_OS": "Plan9"}, "no release for the operating system Plan9", false},
	} {
		for _, sh := range shells(t) {
			t.Run(tc.name+"/"+filepath.Base(sh), func(t *testing.T) {
				f := newFakeRelease(t, tc.released...)
				srv := httptest.NewServer(f)
				defer srv.Close()
				runInstall(t, sh, srv.URL, tc.env).refused(t, 3, tc.msg)
				if !tc.download && len(f.requests) > 0 {
					t.Errorf("requested %q, want no request", f.requests)
				}
			})
		}
	}
}
