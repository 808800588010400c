package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// processMapping is the tab the whole-process benchmark syncs: 10 columns
// of Leads. naiveFields are the same fields for the naive baseline.
const processMapping = `spreadsheet_id: ${SPREADSHEET_ID}
timezone: Europe/Berlin
modules:
  - module: Leads
    columns:
      - { header: Zoho ID, field: id }
      - { header: Name, field: Full_Name }
      - { header: Company, field: Company }
      - { header: Email, field: Email }
      - { header: Status, field: Lead_Status }
      - { header: Owner, field: Owner.name }
      - { header: Revenue, field: Annual_Revenue }
      - { header: Employees, field: No_of_Employees }
      - { header: Created, field: Created_Time }
      - { header: Modified, field: Modified_Time }
`

const naiveFields = "id,Full_Name,Company,Email,Lead_Status,Owner,Annual_Revenue,No_of_Employees,Created_Time,Modified_Time"

// Latency of each emulated API call, as measured from a CI runner.
const (
	zohoLatency   = 20 * time.Millisecond
	sheetsLatency = 40 * time.Millisecond
)

// childUsage is what one child process cost, measured from outside.
type childUsage struct {
	wall, cpu      time.Duration
	rss            int64 // peak resident set, bytes
	zohoCalls      int
	reads, writes  int // Sheets API requests
	cellsWritten   int
	rssFromTimeCmd bool
}

// BenchmarkProcess builds the zoho2sheets binary and a naive
// clear-and-rewrite sync (bench/naive), runs both as child processes
// against the emulators (20 ms Zoho / 40 ms Sheets latency, Google's
// per-minute quotas) on a 10-column Leads tab, and prints wall time, CPU
// (user+sys) and peak RSS of each, and their ratios, for three runs: the
// first full run into an empty tab, a --full reconcile with 1% of the
// records changed, and an incremental run with 1% changed. Sizes come from
// Z2S_BENCH_ROWS (default "10000,100000"). It takes minutes; run it with
//
//	go test -run '^$' -bench Process -benchtime 1x .
func BenchmarkProcess(b *testing.B) {
	// It takes minutes: "-bench ." over every package runs it only when
	// asked for by name or with Z2S_BENCH_ROWS.
	if f := flag.Lookup("test.bench"); f != nil && !strings.Contains(f.Value.String(), "Process") && os.Getenv("Z2S_BENCH_ROWS") == "" {
		b.Skip("the whole-process benchmark runs with -bench Process (or Z2S_BENCH_ROWS set)")
	}
	sizes := []int{10_000, 100_000}
	if v := os.Getenv("Z2S_BENCH_ROWS"); v != "" {
		sizes = nil
		for _, s := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n <= 0 {
				b.Fatalf("Z2S_BENCH_ROWS: %q is not a positive number of rows", s)
			}
			sizes = append(sizes, n)
		}
	}
	dir := b.TempDir()
	bin := buildBinary(b, dir, "zoho2sheets", ".")
	naive := buildBinary(b, dir, "naive", "./bench/naive")
	for i := 0; i < b.N; i++ {
		incr := map[int]int64{} // rows → peak RSS of the incremental run
		for _, n := range sizes {
			incr[n] = processRuns(b, dir, bin, naive, n)
		}
		// Memory grows with the changes, not the tab: the incremental run
		// on the largest tab against the same run on the smallest.
		lo, hi := slices.Min(sizes), slices.Max(sizes)
		if lo < hi {
			x := float64(incr[hi]) / float64(incr[lo])
			fmt.Printf("\nincremental run, %d rows ÷ %d rows: peak RSS %.1f ÷ %.1f MiB = %.2f×\n",
				hi, lo, float64(incr[hi])/(1<<20), float64(incr[lo])/(1<<20), x)
			b.ReportMetric(x, fmt.Sprintf("incr-%dk-per-%dk-x", hi/1000, lo/1000))
		}
	}
}

func buildBinary(b *testing.B, dir, name, pkg string) string {
	out := filepath.Join(dir, name)
	// Both programs are built as releases are (.goreleaser.yaml, Dockerfile):
	// static and without symbols. A cgo build would map libc too (~1.5 MiB
	// of RSS in each program), which no user runs.
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
	return out
}

// processRuns runs both programs three times on n rows, prints what each
// run cost, and returns the peak RSS of zoho2sheets' incremental run.
func processRuns(b *testing.B, dir, bin, naive string, n int) int64 {
	em, err := startEmulators(zohotest.Options{Seed: 11, Records: map[string]int{"Leads": n}})
	if err != nil {
		b.Fatal(err)
	}
	defer em.Stop()
	em.zoho.InjectFault(zohotest.Fault{Path: "/crm/*", Latency: zohoLatency, Times: -1})
	em.sheets.InjectFault(sheetstest.Fault{Path: "/v4/", Latency: sheetsLatency, Times: 1 << 40})

	mapping := filepath.Join(dir, "mapping.yaml")
	if err := os.WriteFile(mapping, []byte(processMapping), 0o600); err != nil {
		b.Fatal(err)
	}
	home := filepath.Join(dir, fmt.Sprintf("home-%d", n))
	if err := os.MkdirAll(home, 0o700); err != nil {
		b.Fatal(err)
	}
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CACHE_HOME=" + home}
	realEnv := append([]string(nil), base...)
	for k, v := range em.env {
		realEnv = append(realEnv, k+"="+v)
	}
	// The naive sync writes into its own spreadsheet as its own service
	// account, so that neither uses up the other's per-minute quota.
	const naiveAccount = "naive@bench-project.iam.gserviceaccount.com"
	naiveKey := em.sheets.NewServiceAccount(naiveAccount)
	naiveID := em.sheets.CreateSpreadsheet("naive", "Europe/Berlin")
	em.sheets.Share(naiveID, naiveAccount)
	naiveEnv := append([]string(nil), base...)
	for k, v := range em.env {
		switch k {
		case "GOOGLE_CREDENTIALS_JSON":
			v = string(naiveKey)
		case "SPREADSHEET_ID":
			v = naiveID
		}
		naiveEnv = append(naiveEnv, k+"="+v)
	}

	steps := []struct {
		name string
		args []string
	}{
		{"full, empty tab", []string{"--once"}},
		{"full reconcile (--full), 1% changed", []string{"--once", "--full"}},
		{"incremental, 1% changed", []string{"--once"}},
	}
	cells := n * 10
	fmt.Printf("\n### %d rows × 10 columns (%d cells)\n\n", n, cells)
	fmt.Println("| run | program | wall | CPU | peak RSS | RSS/cell | Zoho calls | Sheets reads | Sheets writes | cells written |")
	fmt.Println("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	var ratios []string
	var incr int64
	for i, st := range steps {
		if i > 0 {
			changeLeads(em, i)
		}
		zs := runChild(b, em, realEnv, bin, append(st.args, "--config", mapping, "--log-level", "warn")...)
		nv := runChild(b, em, naiveEnv, naive, "-module", "Leads", "-sheet", "Leads", "-fields", naiveFields)
		if got := len(em.sheets.Values(em.spreadsheetID, "Leads")); got != n+1 {
			b.Fatalf("%s: zoho2sheets left %d rows in the tab, want %d", st.name, got, n+1)
		}
		if got := len(em.sheets.Values(naiveID, "Leads")); got != n+1 {
			b.Fatalf("%s: naive left %d rows in the tab, want %d", st.name, got, n+1)
		}
		for _, r := range []struct {
			prog string
			u    childUsage
		}{{"zoho2sheets", zs}, {"naive", nv}} {
			fmt.Printf("| %s | %s | %.2f s | %.2f s | %.1f MiB | %.0f B | %d | %d | %d | %d |\n", st.name, r.prog,
				r.u.wall.Seconds(), r.u.cpu.Seconds(), float64(r.u.rss)/(1<<20), float64(r.u.rss)/float64(cells),
				r.u.zohoCalls, r.u.reads, r.u.writes, r.u.cellsWritten)
		}
		incr = zs.rss
		wall, cpu, rss := zs.wall.Seconds()/nv.wall.Seconds(), zs.cpu.Seconds()/nv.cpu.Seconds(), float64(zs.rss)/float64(nv.rss)
		ratios = append(ratios, fmt.Sprintf("| %s | %.2f× | %.2f× | %.2f× |", st.name, wall, cpu, rss))
		tag := fmt.Sprintf("%dk-%s-", n/1000, []string{"full", "reconcile", "incr"}[i])
		b.ReportMetric(wall, tag+"wall-x")
		b.ReportMetric(cpu, tag+"cpu-x")
		b.ReportMetric(rss, tag+"rss-x")
		b.ReportMetric(float64(zs.rss)/float64(cells), tag+"rss-B/cell")
	}
	fmt.Printf("\nzoho2sheets ÷ naive, %d rows:\n\n| run | wall | CPU | peak RSS |\n|---|--:|--:|--:|\n", n)
	for _, r := range ratios {
		fmt.Println(r)
	}
	return incr
}

// changeLeads changes the Company of 1% of the leads an hour later on the
// CRM clock (a different 1% on each call).
func changeLeads(em *emulators, call int) {
	em.zoho.Advance(time.Hour)
	ids := em.zoho.IDs("Leads")
	for i := call * 37 % 100; i < len(ids); i += 100 {
		em.zoho.Update("Leads", ids[i], map[string]any{"Company": fmt.Sprintf("Changed %d Ltd", call)})
	}
}

var maxRSSLine = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)

// runChild runs one program and measures it. Peak RSS comes from the child
// itself: /usr/bin/time -v when present (its child is forked from a small
// process), else VmHWM polled from /proc. ProcessState's Maxrss would be
// wrong: Go starts children with CLONE_VM|CLONE_VFORK, and Linux folds the
// parent's high-water mark (here: both emulators) into the child's at exec.
func runChild(b *testing.B, em *emulators, env []string, bin string, args ...string) childUsage {
	var u childUsage
	z0, s0 := em.zoho.Stats().APICalls, em.sheets.Stats()
	runtime.GC()
	var out bytes.Buffer
	timeCmd, haveTime := "/usr/bin/time", false
	if _, err := os.Stat(timeCmd); err == nil {
		haveTime = true
	}
	var cmd *exec.Cmd
	if haveTime {
		cmd = exec.Command(timeCmd, append([]string{"-v", bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	var polled int64
	if !haveTime {
		go func() {
			defer close(done)
			path := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
			for {
				if kb := vmHWM(path); kb > 0 {
					polled = max(polled, kb*1024)
				} else {
					return // exited
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	} else {
		close(done)
	}
	err := cmd.Wait()
	u.wall = time.Since(start)
	<-done
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out.String())
	}
	// wait4 reports the waited process with its reaped children (RUSAGE_BOTH),
	// so through /usr/bin/time this is the program's own CPU (plus time's own, tiny).
	u.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if haveTime {
		m := maxRSSLine.FindStringSubmatch(out.String())
		if m == nil {
			b.Fatalf("no peak RSS in the output of /usr/bin/time -v:\n%s", out.String())
		}
		kb, _ := strconv.ParseInt(m[1], 10, 64)
		u.rss, u.rssFromTimeCmd = kb*1024, true
	} else {
		u.rss = polled
	}
	s1 := em.sheets.Stats()
	u.zohoCalls = em.zoho.Stats().APICalls - z0
	u.reads, u.writes = s1.Reads-s0.Reads, s1.Writes-s0.Writes
	u.cellsWritten = s1.CellsWritten - s0.CellsWritten
	return u
}

// vmHWM returns the VmHWM of /proc/<pid>/status in kB, 0 when unreadable.
func vmHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}
