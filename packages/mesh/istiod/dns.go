// dns: the cluster DNS's part (kube-dns, CoreDNS): Service names to their ClusterIPs, and a fast NXDOMAIN for the rest.
package main

import (
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// clusterDNS answers what a cluster's DNS would for <service>.<namespace>.svc.cluster.local. The sidecars' DNS proxies
// answer mesh names themselves and ask here only for names they do not know; without an answer they wait for a
// timeout, and an app's name lookups then queue behind that wait (Node resolves names on a four-thread pool).
type clusterDNS struct {
	mu      sync.RWMutex
	records map[string]net.IP
}

func (d *clusterDNS) setServices(records map[string]net.IP) {
	d.mu.Lock()
	d.records = records
	d.mu.Unlock()
}

func (d *clusterDNS) ServeDNS(w dns.ResponseWriter, request *dns.Msg) {
	reply := new(dns.Msg)
	reply.SetReply(request)
	reply.Authoritative = true
	if len(request.Question) != 1 {
		reply.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(reply)
		return
	}
	question := request.Question[0]
	name := strings.ToLower(question.Name)
	d.mu.RLock()
	ip, found := d.records[name]
	d.mu.RUnlock()
	switch {
	case !found:
		// Nothing outside the cluster is reachable from the local mesh, so no name outside it resolves either.
		reply.Rcode = dns.RcodeNameError
	case question.Qtype == dns.TypeA:
		reply.Answer = append(reply.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 5}, A: ip})
	}
	// A known name asked for another type (AAAA) gets an empty NOERROR answer, as from CoreDNS for an IPv4 Service.
	_ = w.WriteMsg(reply)
}

// serveDNS listens on UDP and TCP port 53 of the given address.
func (d *clusterDNS) serve(address string) error {
	errs := make(chan error, 2)
	for _, network := range []string{"udp", "tcp"} {
		server := &dns.Server{Addr: net.JoinHostPort(address, "53"), Net: network, Handler: d}
		go func() { errs <- server.ListenAndServe() }()
	}
	return <-errs
}
