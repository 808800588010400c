package config

import "strings"

// suggest returns the candidate closest to s when it is a plausible typo:
// equal ignoring case and underscores, or within about a third of its
// length in edits. It returns "" when nothing is close.
func suggest(s string, cands []string) string {
	norm := func(x string) string { return strings.ReplaceAll(strings.ToLower(x), "_", "") }
	ns := norm(s)
	for _, c := range cands {
		if norm(c) == ns {
			return c
		}
	}
	best, bestD := "", max(1, (len([]rune(ns))+2)/3)+1
	for _, c := range cands {
		if d := editDistance(ns, norm(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
