package ops

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/zoho2sheets/zoho2sheets/config"
)

const k8sDir = "../deploy/kubernetes"

// The parts of the Kubernetes objects the tests read.
type (
	k8sMeta struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
	}
	configMap struct {
		k8sMeta `yaml:",inline"`
		Data    map[string]string `yaml:"data"`
	}
	cronJob struct {
		k8sMeta `yaml:",inline"`
		Spec    struct {
			Schedule          string `yaml:"schedule"`
			TimeZone          string `yaml:"timeZone"`
			ConcurrencyPolicy string `yaml:"concurrencyPolicy"`
			JobTemplate       struct {
				Spec struct {
					Template struct {
						Spec podSpec `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			} `yaml:"jobTemplate"`
		} `yaml:"spec"`
	}
	podSpec struct {
		RestartPolicy   string `yaml:"restartPolicy"`
		SecurityContext struct {
			RunAsNonRoot *bool  `yaml:"runAsNonRoot"`
			RunAsUser    *int64 `yaml:"runAsUser"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
		Volumes    []struct {
			Name      string `yaml:"name"`
			ConfigMap *struct {
				Name  string `yaml:"name"`
				Items []struct {
					Key  string `yaml:"key"`
					Path string `yaml:"path"`
				} `yaml:"items"`
			} `yaml:"configMap"`
			EmptyDir *struct{} `yaml:"emptyDir"`
		} `yaml:"volumes"`
	}
	envVar struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name     string `yaml:"name"`
				Key      string `yaml:"key"`
				Optional bool   `yaml:"optional"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	}
	container struct {
		Image     string   `yaml:"image"`
		Command   []string `yaml:"command"`
		Args      []string `yaml:"args"`
		Env       []envVar `yaml:"env"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
			RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
			RunAsUser                *int64 `yaml:"runAsUser"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			SubPath   string `yaml:"subPath"`
			ReadOnly  bool   `yaml:"readOnly"`
		} `yaml:"volumeMounts"`
	}
)

// manifests are the objects of deploy/kubernetes.
type manifests struct {
	cronJobs   []*cronJob
	configMaps map[string]*configMap
}

// parseManifests decodes every YAML document of the named files (name →
// content).
func parseManifests(files map[string][]byte) (*manifests, error) {
	m := &manifests{configMaps: map[string]*configMap{}}
	for name, b := range files {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var n yaml.Node
			if err := dec.Decode(&n); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			var meta k8sMeta
			if err := n.Decode(&meta); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			var err error
			switch meta.Kind {
			case "CronJob":
				cj := &cronJob{}
				err = n.Decode(cj)
				m.cronJobs = append(m.cronJobs, cj)
			case "ConfigMap":
				cm := &configMap{}
				err = n.Decode(cm)
				m.configMaps[cm.Metadata.Name] = cm
			case "Kustomization":
			default:
				err = fmt.Errorf("unexpected kind %q", meta.Kind)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", name, meta.Kind, err)
			}
		}
	}
	return m, nil
}

func readManifests(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	names, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range names {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(f)] = b
	}
	return files
}

// binaryFacts is what the manifests must agree with.
type binaryFacts struct {
	image    string   // the image repository releases push
	env      []string // the variables the binary reads (README's table)
	peakHeap int64    // bytes, of a full run of the benchmark
}

// quantity parses a Kubernetes memory quantity (256Mi, 1G, 1000).
func quantity(q string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			return v * u.mult, err
		}
	}
	return strconv.ParseInt(q, 10, 64)
}

// problems collects what a check finds wrong.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

// checkCronJob returns what is wrong with a CronJob and the mapping it
// mounts where --config points (its content, "" if none).
func checkCronJob(cj *cronJob, m *manifests, f binaryFacts) ([]string, string) {
	var probs problems
	if cj.APIVersion != "batch/v1" {
		probs.add("apiVersion %q, want batch/v1", cj.APIVersion)
	}
	s := cj.Spec
	if s.ConcurrencyPolicy != "Forbid" {
		probs.add("concurrencyPolicy %q, want Forbid: two runs on one sheet at once only wait for each other", s.ConcurrencyPolicy)
	}
	if _, err := cron.ParseStandard(s.Schedule); err != nil {
		probs.add("schedule %q: %v", s.Schedule, err)
	}
	pod := &s.JobTemplate.Spec.Template.Spec
	if pod.RestartPolicy != "Never" && pod.RestartPolicy != "OnFailure" {
		probs.add("restartPolicy %q, want Never (the next scheduled run retries)", pod.RestartPolicy)
	}
	if len(pod.Containers) != 1 {
		probs.add("want one container, got %d", len(pod.Containers))
		return probs, ""
	}
	c := &pod.Containers[0]
	repo, tag, digest := splitImage(c.Image)
	if repo != f.image {
		probs.add("image %q: want the released image %s", c.Image, f.image)
	}
	if digest == "" && (tag == "" || tag == "latest") {
		probs.add("image %q: pin a release tag or digest, not latest", c.Image)
	}
	if len(c.Command) > 0 && !slices.Equal(c.Command, []string{binaryPath}) {
		probs.add("command %q replaces the image's entrypoint %s: set args only", c.Command, binaryPath)
	}
	if !slices.Contains(c.Args, "--once") {
		probs.add("args %q lack --once: a CronJob runs one sync per pod", c.Args)
	}
	mapping := checkMappingMount(&probs, pod, c, m)
	checkEnv(&probs, c, f)
	checkSecurity(&probs, pod, c)
	checkResources(&probs, c, f)
	return probs, mapping
}

// mountAt returns the volume mounted at the deepest mount point holding
// path p, the path inside that volume, and whether the mount is read-only.
func (c *container) mountAt(p string) (volume, sub string, readOnly bool) {
	best := ""
	for _, vm := range c.VolumeMounts {
		if (p == vm.MountPath || strings.HasPrefix(p, strings.TrimSuffix(vm.MountPath, "/")+"/")) && len(vm.MountPath) > len(best) {
			best, volume, readOnly = vm.MountPath, vm.Name, vm.ReadOnly
			sub = strings.TrimPrefix(strings.TrimPrefix(p, vm.MountPath), "/")
			if vm.SubPath != "" {
				sub = vm.SubPath
			}
		}
	}
	return volume, sub, readOnly
}

// checkMappingMount checks that --config points into a ConfigMap volume
// and returns the mapping it holds.
func checkMappingMount(probs *problems, pod *podSpec, c *container, m *manifests) (mapping string) {
	cfg := "mapping.yaml"
	for i, a := range c.Args {
		if a == "--config" && i+1 < len(c.Args) {
			cfg = c.Args[i+1]
		}
	}
	vol, key, _ := c.mountAt(cfg)
	for _, v := range pod.Volumes {
		if v.Name != vol || vol == "" || v.ConfigMap == nil {
			continue
		}
		for _, it := range v.ConfigMap.Items {
			if it.Path == key {
				key = it.Key
			}
		}
		cm, ok := m.configMaps[v.ConfigMap.Name]
		if !ok {
			probs.add("volume %s: no ConfigMap %s in the manifests", v.Name, v.ConfigMap.Name)
		} else if mapping, ok = cm.Data[key]; !ok {
			probs.add("ConfigMap %s has no key %s, which --config %s reads", cm.Metadata.Name, key, cfg)
		}
	}
	if mapping == "" {
		probs.add("--config %s is not on a ConfigMap volume: mount the mapping there", cfg)
	}
	return mapping
}

// checkEnv checks that the environment holds only variables the binary
// reads, the credentials it needs, and those from Secrets.
func checkEnv(probs *problems, c *container, f binaryFacts) {
	var names []string
	for _, e := range c.Env {
		names = append(names, e.Name)
		if !slices.Contains(f.env, e.Name) {
			probs.add("env %s is not a variable zoho2sheets reads (README's table; the mapping's ${VAR}s)", e.Name)
		}
		fromSecret := e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil
		if secretName.MatchString(e.Name) && !fromSecret {
			probs.add("env %s holds a credential: take it from a Secret (valueFrom.secretKeyRef), never a literal value", e.Name)
		}
	}
	for _, want := range []string{"ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN"} {
		if !slices.Contains(names, want) {
			probs.add("env lacks %s", want)
		}
	}
	if !slices.Contains(names, "GOOGLE_CREDENTIALS_JSON") && !slices.Contains(names, "GOOGLE_APPLICATION_CREDENTIALS") {
		probs.add("env lacks Google credentials (GOOGLE_CREDENTIALS_JSON or GOOGLE_APPLICATION_CREDENTIALS)")
	}
	// README's Secret is made from the env file of step 1, which holds
	// ZOHO_DC: the pod must get it, or an EU account talks to the US.
	if !slices.Contains(names, "ZOHO_DC") {
		probs.add("env lacks ZOHO_DC: take it from the Secret with optional: true, or the data centre of the env file never reaches the pod")
	}
}

// checkSecurity checks for a non-root user without privileges, on a
// read-only root with writable scratch space where the binary writes.
func checkSecurity(probs *problems, pod *podSpec, c *container) {
	sc := c.SecurityContext
	podNonRoot := pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot
	if sc.RunAsNonRoot != nil && !*sc.RunAsNonRoot || sc.RunAsNonRoot == nil && !podNonRoot {
		probs.add("runAsNonRoot is not true")
	}
	for _, u := range []*int64{sc.RunAsUser, pod.SecurityContext.RunAsUser} {
		if u != nil && *u == 0 {
			probs.add("runAsUser 0 (root)")
		}
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		probs.add("allowPrivilegeEscalation is not false")
	}
	if !slices.Contains(sc.Capabilities.Drop, "ALL") {
		probs.add("capabilities are not dropped (drop: [ALL])")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		probs.add("readOnlyRootFilesystem is not true")
		return
	}
	writable := func(p string) bool {
		name, _, ro := c.mountAt(p)
		for _, v := range pod.Volumes {
			if v.Name == name && v.EmptyDir != nil {
				return !ro
			}
		}
		return false
	}
	// Bulk Read writes its zip to os.TempDir(); the token cache goes to
	// os.UserCacheDir() ($XDG_CACHE_HOME, else $HOME/.cache).
	if !writable("/tmp/x") {
		probs.add("read-only root without a writable emptyDir at /tmp (Bulk Read's temporary files)")
	}
	cache := "/home/nonroot/.cache"
	for _, e := range c.Env {
		if e.Name == "XDG_CACHE_HOME" {
			cache = e.Value
		}
	}
	if !writable(path.Join(cache, "zoho2sheets")) {
		probs.add("read-only root: the cache directory %s is not on a writable emptyDir (set XDG_CACHE_HOME under one)", cache)
	}
}

// checkResources checks the requests against the benchmark.
func checkResources(probs *problems, c *container, f binaryFacts) {
	req, err := quantity(c.Resources.Requests["memory"])
	if err != nil {
		probs.add("resources.requests.memory %q: %v", c.Resources.Requests["memory"], err)
	} else if req < f.peakHeap {
		probs.add("resources.requests.memory %s is below the benchmark's peak heap of %d MB (BENCHMARKS.md)", c.Resources.Requests["memory"], f.peakHeap/1e6)
	}
	if lim, err := quantity(c.Resources.Limits["memory"]); err != nil || lim < req {
		probs.add("resources.limits.memory %q: want a limit at least the request", c.Resources.Limits["memory"])
	}
	if c.Resources.Requests["cpu"] == "" {
		probs.add("no resources.requests.cpu")
	}
}

// readmeEnv returns the variables of README's environment table.
func readmeEnv(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "| variable | what |")
	if !ok {
		t.Fatal("README.md has no environment table (| variable | what |)")
	}
	_, table, _ = strings.Cut(table, "\n") // the rest of the header line
	var names []string
	name := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	for l := range strings.Lines(table) {
		if !strings.HasPrefix(l, "|") {
			break
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(l, "|"), "|")
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			names = append(names, m[1])
		}
	}
	if len(names) < 5 {
		t.Fatalf("README.md's environment table has %d variables: the parse is broken", len(names))
	}
	return names
}

// peakHeap returns the full run's peak heap from BENCHMARKS.md, in bytes.
func peakHeap(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("../BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\| full \|.*\| (\d+) MB \|\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("BENCHMARKS.md: no `| full | … | N MB |` row")
	}
	mb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return mb * 1e6
}

// mappingVars loads a mapping with the binary's own loader and returns the
// ${VAR}s it reads, and which of them it cannot do without.
func mappingVars(t *testing.T, src string) (all, required []string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "mapping.yaml")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func(unset string) error {
		_, err := config.Load(file, func(k string) (string, bool) {
			if !slices.Contains(all, k) {
				all = append(all, k)
			}
			if k == unset {
				return "", false
			}
			return "1abcDEFghiJKLmnoPQRstuVWXyz0123456789_-ABCD", true
		})
		return err
	}
	if err := load(""); err != nil {
		t.Fatalf("the ConfigMap's mapping does not load: %v", err)
	}
	for _, k := range slices.Clone(all) {
		if load(k) != nil {
			required = append(required, k)
		}
	}
	return all, required
}

func TestKubernetesCronJob(t *testing.T) {
	m, err := parseManifests(readManifests(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.cronJobs) != 1 {
		t.Fatalf("want one CronJob in %s, got %d", k8sDir, len(m.cronJobs))
	}
	cj := m.cronJobs[0]
	// Which variables the mapping reads is known after loading it; load it
	// first with what the README lists, then check again with its ${VAR}s.
	facts := binaryFacts{image: "ghcr.io/" + ownRepo, env: append(readmeEnv(t), "XDG_CACHE_HOME"), peakHeap: peakHeap(t)}
	_, mapping := checkCronJob(cj, m, facts)
	if mapping == "" {
		t.Fatalf("no mapping mounted: %q", func() []string { p, _ := checkCronJob(cj, m, facts); return p }())
	}
	vars, required := mappingVars(t, mapping)
	facts.env = append(facts.env, vars...)
	probs, _ := checkCronJob(cj, m, facts)
	for _, p := range probs {
		t.Errorf("%s: CronJob %s: %s", k8sDir, cj.Metadata.Name, p)
	}
	c := cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0]
	for _, v := range required {
		if !slices.ContainsFunc(c.Env, func(e envVar) bool { return e.Name == v }) {
			t.Errorf("the mapping needs ${%s}, which the CronJob's env does not set", v)
		}
	}
	// The binary accepts the arguments.
	if err := flagsAccepted(t, c.Args); err != nil {
		t.Errorf("CronJob args: %v", err)
	}
}

func TestKubernetesChecksCatchMistakes(t *testing.T) {
	good := readManifests(t)
	facts := binaryFacts{image: "ghcr.io/" + ownRepo, env: append(readmeEnv(t), "XDG_CACHE_HOME"), peakHeap: peakHeap(t)}
	for _, tc := range []struct{ name, file, old, new, want string }{
		{"Allow", "cronjob.yaml", "concurrencyPolicy: Forbid", "concurrencyPolicy: Allow", "Forbid"},
		{"OtherImage", "cronjob.yaml", "image: ghcr.io/zoho2sheets/zoho2sheets:1", "image: zoho2sheets:1", "released image"},
		{"Latest", "cronjob.yaml", "image: ghcr.io/zoho2sheets/zoho2sheets:1", "image: ghcr.io/zoho2sheets/zoho2sheets:latest", "latest"},
		{"Daemon", "cronjob.yaml", `"--once", `, "", "--once"},
		{"ConfigElsewhere", "cronjob.yaml", `"/etc/zoho2sheets/mapping.yaml"`, `"/config/mapping.yaml"`, "not on a ConfigMap volume"},
		{"ConfigKey", "configmap.yaml", "  mapping.yaml: |", "  map.yaml: |", "no key mapping.yaml"},
		{"UnknownEnv", "cronjob.yaml", "- name: XDG_CACHE_HOME", "- name: ZOHO_CACHE", "not a variable zoho2sheets reads"},
		{"LiteralSecret", "cronjob.yaml", "- name: XDG_CACHE_HOME\n                  value: /tmp/cache", "- name: XDG_CACHE_HOME\n                  value: /tmp/cache\n                - name: ZOHO_CLIENT_SECRET\n                  value: hunter2", "from a Secret"},
		{"NoToken", "cronjob.yaml", "- name: ZOHO_REFRESH_TOKEN", "- name: ZOHO_REFRESH_TOKN", "lacks ZOHO_REFRESH_TOKEN"},
		{"NoDataCentre", "cronjob.yaml", "- name: ZOHO_DC\n", "- name: ZOHO2SHEETS_CACHE_DIR\n", "lacks ZOHO_DC"},
		{"Root", "cronjob.yaml", "runAsUser: 65532\n", "runAsUser: 0\n", "root"},
		{"NonRootOff", "cronjob.yaml", "runAsNonRoot: true", "runAsNonRoot: false", "runAsNonRoot"},
		{"Escalation", "cronjob.yaml", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", "allowPrivilegeEscalation"},
		{"WritableRoot", "cronjob.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem"},
		{"NoTmp", "cronjob.yaml", "mountPath: /tmp\n", "mountPath: /scratch\n", "/tmp"},
		{"CacheOnRoot", "cronjob.yaml", "value: /tmp/cache", "value: /var/cache", "cache directory"},
		{"SmallMemory", "cronjob.yaml", "memory: 256Mi", "memory: 64Mi", "peak heap"},
		{"BadSchedule", "cronjob.yaml", `schedule: "17 5 * * *"`, `schedule: "17 25 * * *"`, "schedule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string][]byte{}
			for k, v := range good {
				files[k] = v
			}
			if !bytes.Contains(files[tc.file], []byte(tc.old)) {
				t.Fatalf("the mutation %q does not apply to %s: update the test", tc.old, tc.file)
			}
			files[tc.file] = bytes.Replace(files[tc.file], []byte(tc.old), []byte(tc.new), 1)
			m, err := parseManifests(files)
			if err != nil {
				t.Fatal(err)
			}
			probs, _ := checkCronJob(m.cronJobs[0], m, facts)
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("want a problem mentioning %q, got %q", tc.want, probs)
			}
		})
	}
}

// kustomization.yaml lists files that exist and pins the released image.
func TestKustomization(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(k8sDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name   string `yaml:"name"`
			NewTag string `yaml:"newTag"`
			Digest string `yaml:"digest"`
		} `yaml:"images"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	all, _ := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	for _, f := range all {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(k.Resources, base) {
			t.Errorf("kustomization.yaml does not list %s", base)
		}
	}
	for _, r := range k.Resources {
		if _, err := os.Stat(filepath.Join(k8sDir, r)); err != nil {
			t.Errorf("kustomization.yaml lists %s: %v", r, err)
		}
	}
	if len(k.Images) != 1 || k.Images[0].Name != "ghcr.io/"+ownRepo || (k.Images[0].NewTag == "" || k.Images[0].NewTag == "latest") && k.Images[0].Digest == "" {
		t.Errorf("kustomization.yaml images %+v: want ghcr.io/%s with a release tag or digest", k.Images, ownRepo)
	}
}
