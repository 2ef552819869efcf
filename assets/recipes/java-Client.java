// A Java client with a certificate (mutual TLS), from the PKCS#12 stores certbench exports:
// java-keystore.p12 (the key and its chain) and java-truststore.p12 (the root CA), both opened
// with the password in java-password.txt (mode 0600). run.sh exports both afresh each time (they
// are this recipe's own files), so they follow the workspace.
// Run: java Client.java
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class Client {
    public static void main(String[] args) throws Exception {
        char[] password = Files.readString(Path.of("java-password.txt")).strip().toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream("java-keystore.p12")) {
            keys.load(in, password);
        }
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream("java-truststore.p12")) {
            trusted.load(in, password);
        }
        KeyManagerFactory keyManagers =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, password);
        TrustManagerFactory trustManagers =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        // HTTP/1.1, as the servers of the other recipes speak (HTTP/2 would be tried first).
        HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(tls)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
        URI uri = new URI("https", null, @host@, @port@, "/", null, null);
        // A time limit on the whole answer: a server that answers and then waits for the client
        // to close (openssl s_server -www over TLS 1.3) would otherwise leave it waiting for ever.
        HttpRequest request = HttpRequest.newBuilder(uri).build();
        HttpResponse<String> response;
        try {
            response = client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            System.err.println("no whole answer within 30 s from " + uri);
            System.exit(1);
            return;
        }
        System.out.print(response.body());
        System.exit(response.statusCode() == 200 ? 0 : 1);
    }
}
