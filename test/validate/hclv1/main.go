// hclv1 reads HCL from standard input with hashicorp/hcl v1, the parser Vault's agent
// uses for its configuration (hashicorp/vault command/agent/config/config.go: hcl.Parse,
// then hcl.DecodeObject), and prints what it decoded as JSON. Built by
// test/sidecars/vault-hcl-v1.test.ts against Debian's golang-github-hashicorp-hcl-dev
// (hashicorp/hcl 1.0.0) with GOPATH=/usr/share/gocode and GO111MODULE=off.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/hcl"
)

func main() {
	src, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	obj, err := hcl.Parse(string(src))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var out map[string]interface{}
	if err := hcl.DecodeObject(&out, obj); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	text, err := json.Marshal(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(4)
	}
	os.Stdout.Write(text)
}
