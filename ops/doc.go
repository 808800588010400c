// Package ops holds no code, only tests of how zoho2sheets is shipped and
// run: the Dockerfile (parsed with BuildKit's parser) and the GitHub Actions
// workflows (linted with actionlint as a library). They run with
// `go test ./...` like every other test, so CI catches a broken workflow or
// an image that drifted from go.mod before it is merged.
package ops
