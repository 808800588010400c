// Package ops holds no code, only tests of how zoho2sheets is shipped and
// run: the Dockerfile (parsed with BuildKit's parser), the GitHub Actions
// workflows and examples (linted with actionlint as a library, every action
// pinned to a commit), the composite action (action.yml, its steps run
// against a fake release served locally, its inputs checked against the
// flags the built binary accepts), scripts/install.sh, the release
// configuration (.goreleaser.yaml, release.yml, Dependabot) and the
// Kubernetes manifests. They run with `go test ./...` like every other test,
// so CI catches a broken workflow, a download that skips its checksum or an
// image that drifted from go.mod before it is merged.
package ops
