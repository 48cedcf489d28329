package main

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
)

// healthCmd probes a running ingestd's /health, for container HEALTHCHECKs
// on images without curl.
func (c *cli) healthCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "health",
		Short: "Exit 0 when the ingestd at INGESTD_HTTP_LISTEN answers /health",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			addr := c.v.GetString("http_listen")
			if addr == "" {
				addr = "127.0.0.1:9600"
			}
			client := &http.Client{Timeout: 3 * time.Second}
			resp, err := client.Get("http://" + loopbackFor(addr) + "/health")
			if err != nil {
				return fmt.Errorf("health: %w", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("health: %s", resp.Status)
			}
			fmt.Fprintln(c.stdout, "alive")
			return nil
		},
	}
}

// loopbackFor turns a wildcard listen address into one a local probe can
// dial.
func loopbackFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
