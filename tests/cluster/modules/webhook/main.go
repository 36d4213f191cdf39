// Command webhook serves the Azure Workload Identity pod mutator (the upstream
// pkg/webhook handler, unchanged) on a loopback address for the real-cluster tests.
//
// Upstream's cmd/webhook listens on every interface at the fixed port 9443 and manages
// its certificate through an in-cluster Secret and Service; the tests need 127.0.0.1, a
// free port and a certificate they generate, so only this entry point is ours.
package main

import (
	"flag"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	wh "github.com/Azure/azure-workload-identity/pkg/webhook"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "webhook:", err)
		os.Exit(1)
	}
}

func run() error {
	host := flag.String("host", "127.0.0.1", "address the webhook server binds to")
	port := flag.Int("port", 0, "port the webhook server binds to")
	certDir := flag.String("cert-dir", "", "directory holding tls.crt and tls.key")
	healthAddr := flag.String("health-addr", "127.0.0.1:0", "address of /healthz and /readyz")
	audience := flag.String("audience", "", "audience of the projected token (default api://AzureADTokenExchange)")
	flag.Parse()
	ctrl.SetLogger(zap.New())

	config, err := ctrl.GetConfig() // --kubeconfig, a flag controller-runtime registers
	if err != nil {
		return err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(config, ctrl.Options{
		Scheme:                 scheme,
		HealthProbeBindAddress: *healthAddr,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		WebhookServer:          webhook.NewServer(webhook.Options{Host: *host, Port: *port, CertDir: *certDir}),
		MapperProvider:         apiutil.NewDynamicRESTMapper,
	})
	if err != nil {
		return err
	}
	mutator, err := wh.NewPodMutator(mgr.GetClient(), mgr.GetAPIReader(), *audience, mgr.GetScheme(), mgr.GetConfig())
	if err != nil {
		return err
	}
	mgr.GetWebhookServer().Register("/mutate-v1-pod", &webhook.Admission{Handler: mutator})
	if err := mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}
