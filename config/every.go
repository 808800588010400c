package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// parseEvery parses a positive duration: Go's time.ParseDuration units plus
// d (24h) and w (7d), combinable as in 1w2d or 1d12h.
func parseEvery(s string) (time.Duration, error) {
	rest := s
	var total float64
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		num, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration", s)
		}
		j := i
		for j < len(rest) && !(rest[j] >= '0' && rest[j] <= '9' || rest[j] == '.') {
			j++
		}
		unit := rest[i:j]
		var scale time.Duration
		switch unit {
		case "w":
			scale = 7 * 24 * time.Hour
		case "d":
			scale = 24 * time.Hour
		case "":
			return 0, fmt.Errorf("%q has no unit", s)
		default:
			d, err := time.ParseDuration("1" + strings.TrimSpace(unit))
			if err != nil {
				return 0, fmt.Errorf("%q: unknown unit %q", s, unit)
			}
			scale = d
		}
		total += num * float64(scale)
		rest = rest[j:]
	}
	if total > math.MaxInt64 {
		return 0, errors.New("duration too long")
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q must be longer than zero", s)
	}
	return time.Duration(total), nil
}
