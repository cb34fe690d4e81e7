// The batch's Spark SQL process: one SparkSession that runs the statements the batch sends it.
// Run in Java source-file mode (no build step) by batch/src/spark-engine.ts:
//   java <Spark's module flags> -cp '<jars>/*' batch/spark/BatchSql.java
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout (Spark's own
// output goes to stderr). Requests:
//   {"id":1,"op":"parquet","name":"lake","schema":"message_id STRING, ...","basePath":"hdfs://...",
//    "paths":["hdfs://.../x.parquet"]}
//   {"id":2,"op":"rows","name":"sites","schema":"site_id STRING, zone STRING","rows":[{"site_id":"a"}]}
//   {"id":3,"op":"view","name":"src","sql":"SELECT ..."}
//   {"id":3,"op":"materialize","name":"events","sql":"SELECT ..."}   cached, answers its row count
//   {"id":4,"op":"query","sql":"SELECT ..."}                          answers columns and rows
//   {"id":5,"op":"drop","name":"events"}
//   {"id":6,"op":"version"}
// Answers: {"id":1,"ok":true,...} or {"id":1,"ok":false,"error":"one line"}. Values come back as
// JSON strings (numbers and decimals in plain notation, exact), or null.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

public class BatchSql {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    // The protocol owns stdout; everything else Spark or its libraries print goes to stderr.
    PrintStream protocol = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    System.setOut(System.err);

    String master = args.length > 0 ? args[0] : "local[2]";
    String shufflePartitions = args.length > 1 ? args[1] : "4";
    SparkSession.Builder builder = SparkSession.builder();
    // Further settings as key=value arguments (SPARK_CONF).
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq > 0) builder.config(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    SparkSession spark = builder
        .master(master)
        .appName("clickstream-batch")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", shufflePartitions)
        .config("spark.sql.session.timeZone", "UTC")
        // Hive partition values stay text (dt=2026-11-24 is not turned into a date).
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");

    ObjectNode ready = JSON.createObjectNode();
    ready.put("id", 0).put("ok", true).put("version", spark.version());
    protocol.println(JSON.writeValueAsString(ready));

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      JsonNode request = JSON.readTree(line);
      ObjectNode answer = JSON.createObjectNode();
      answer.put("id", request.path("id").asLong());
      long t0 = System.nanoTime();
      try {
        String op = request.path("op").asText();
        if (op.equals("stop")) {
          answer.put("ok", true);
          protocol.println(JSON.writeValueAsString(answer));
          break;
        }
        handle(spark, op, request, answer);
        answer.put("ok", true);
      } catch (Throwable e) {
        String message = String.valueOf(e.getMessage());
        answer.put("ok", false);
        answer.put("error", e.getClass().getSimpleName() + ": " + message.split("\n")[0]);
      }
      answer.put("ms", (System.nanoTime() - t0) / 1_000_000);
      protocol.println(JSON.writeValueAsString(answer));
    }
    spark.stop();
  }

  private static void handle(SparkSession spark, String op, JsonNode request, ObjectNode answer)
      throws Exception {
    switch (op) {
      case "version" -> answer.put("version", spark.version());
      case "parquet" -> {
        List<String> paths = new ArrayList<>();
        request.path("paths").forEach(p -> paths.add(p.asText()));
        // The schema is given (the lake's columns as the batch knows them, plus dt and hour), so
        // Spark does not run a job to read and merge every file's footer; a file without one of
        // the columns reads it as NULL, and columns the batch does not know are left out.
        Dataset<Row> df = spark.read()
            .schema(StructType.fromDDL(request.path("schema").asText()))
            .option("basePath", request.path("basePath").asText())
            .parquet(paths.toArray(new String[0]));
        // The file each row came from, for the manifest's events per file.
        df.selectExpr("*", "_metadata.file_path AS lake_file")
            .createOrReplaceTempView(request.path("name").asText());
      }
      case "rows" -> {
        List<String> lines = new ArrayList<>();
        for (JsonNode row : request.path("rows")) lines.add(JSON.writeValueAsString(row));
        Dataset<String> json = spark.createDataset(lines, Encoders.STRING());
        spark.read()
            .schema(StructType.fromDDL(request.path("schema").asText()))
            .json(json)
            .createOrReplaceTempView(request.path("name").asText());
      }
      case "view" -> spark.sql(request.path("sql").asText()).createOrReplaceTempView(request.path("name").asText());
      case "materialize" -> {
        String name = request.path("name").asText();
        Dataset<Row> df = spark.sql(request.path("sql").asText()).persist(StorageLevel.MEMORY_AND_DISK());
        answer.put("rows", df.count());
        df.createOrReplaceTempView(name);
      }
      case "drop" -> {
        String name = request.path("name").asText();
        if (spark.catalog().tableExists(name)) {
          spark.table(name).unpersist(true);
          spark.catalog().dropTempView(name);
        }
      }
      case "query" -> {
        Dataset<Row> df = spark.sql(request.path("sql").asText());
        ArrayNode columns = answer.putArray("columns");
        for (StructField f : df.schema().fields()) columns.add(f.name());
        ArrayNode rows = answer.putArray("rows");
        for (Row r : df.collectAsList()) {
          ArrayNode out = rows.addArray();
          for (int i = 0; i < r.length(); i++) out.add(text(r.get(i)));
        }
      }
      default -> throw new IllegalArgumentException("unknown op " + op);
    }
  }

  /** Values as exact text: decimals in plain notation, never through a double. */
  private static String text(Object value) {
    if (value == null) return null;
    if (value instanceof BigDecimal d) return d.toPlainString();
    if (value instanceof scala.math.BigDecimal d) return d.bigDecimal().toPlainString();
    return value.toString();
  }
}
