package io.github.microkit.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import java.util.Map;
import java.util.UUID;

/**
 * The least a {@code POST /orders} costs on Javalin on this machine: the producer's HTTP stack (Javalin and Jetty,
 * the versions the samples use, their defaults) with a handler that only reads the JSON body and answers 202 with a
 * new order id. No token check, no database, no broker. {@code benchmarks/run-samples.sh} (part {@code http}) loads
 * it with the producer's wrk load and prints its requests/s and CPU per request: the floor under the producer's own
 * CPU per order, to set against what the broker leaves the producer at a given rate.
 *
 * <pre>
 * java -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar io.github.microkit.benchmarks.HttpFloorServer 18182
 * </pre>
 */
public final class HttpFloorServer {

    private HttpFloorServer() {
    }

    public static void main(String[] args) {
        if (args.length != 1 || !args[0].matches("\\d{1,5}")) {
            System.err.println("usage: HttpFloorServer PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        ObjectMapper json = new ObjectMapper();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.port = port;
            config.routes.post("/orders", ctx -> {
                JsonNode order = json.readTree(ctx.bodyAsBytes());
                if (!order.hasNonNull("customerId")) {
                    ctx.status(400).contentType("application/json")
                            .result("{\"error\":\"invalid_request\",\"message\":\"customerId is required\"}");
                    return;
                }
                ctx.status(202).contentType("application/json")
                        .result(json.writeValueAsString(Map.of("orderId", UUID.randomUUID().toString())));
            });
            config.routes.get("/health/ready", ctx -> ctx.result("UP"));
        });
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "shutdown"));
        app.start();
    }
}
