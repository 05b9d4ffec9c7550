// pgJDBC against the broker's PostgreSQL port: the extended protocol as
// Tableau's driver uses it: prepared statements with parameters, run more
// than prepareThreshold times (server-prepared, binary results), fetchSize
// with autocommit off (named portals, PortalSuspended), metadata of the
// result, an error then a good query. Usage: java PgJdbc.java PORT
// With "meta" after the port: DatabaseMetaData (getTables, getColumns,
// getSchemas, getCatalogs, getPrimaryKeys) over the PostgreSQL catalog.
import java.sql.*;

public class PgJdbc {
    static int fails = 0;

    static void check(boolean ok, String what) {
        System.out.println((ok ? "ok   " : "FAIL ") + what);
        if (!ok) fails++;
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + args[0] + "/default?user=x&password=x";
        if (args.length > 1 && args[1].equals("meta")) {
            meta(url);
            System.exit(fails == 0 ? 0 : 1);
        }
        try (Connection c = DriverManager.getConnection(url)) {
            check(c.getMetaData().getDatabaseProductVersion().startsWith("15"), "server version 15");
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COUNT(*) FROM airlineStats WHERE Carrier = ?")) {
                long first = -1;
                boolean same = true;
                for (int i = 0; i < 7; i++) { // past prepareThreshold (5): binary int8
                    ps.setString(1, "AA");
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        long n = rs.getLong(1);
                        if (first < 0) first = n;
                        same &= n == first;
                    }
                }
                check(first > 0 && same, "prepared statement x7 (binary after 5): " + first);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT Carrier, AVG(ArrDelay) FROM airlineStats WHERE DayOfWeek > ? GROUP BY Carrier ORDER BY 1")) {
                ps.setInt(1, 0);
                try (ResultSet rs = ps.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    check(md.getColumnType(1) == Types.VARCHAR && md.getColumnType(2) == Types.DOUBLE,
                          "metadata types " + md.getColumnTypeName(1) + ", " + md.getColumnTypeName(2));
                    int n = 0;
                    while (rs.next()) n++;
                    check(n > 10, "all groups without an implicit LIMIT: " + n);
                }
            }
            c.setAutoCommit(false); // fetchSize is honoured only inside a transaction
            try (Statement st = c.createStatement()) {
                st.setFetchSize(3);
                int n = 0;
                try (ResultSet rs = st.executeQuery(
                        "SELECT DISTINCT Carrier FROM airlineStats ORDER BY Carrier")) {
                    while (rs.next()) n++;
                }
                check(n > 10, "fetchSize 3 over a named portal (PortalSuspended): " + n + " rows");
                try {
                    st.executeQuery("SELECT nosuch FROM airlineStats");
                    check(false, "unknown column raises");
                } catch (SQLException e) {
                    check("42703".equals(e.getSQLState()), "unknown column: SQLSTATE " + e.getSQLState());
                }
                c.rollback();
                try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM airlineStats")) {
                    rs.next();
                    check(rs.getLong(1) == 9746, "good query after the error: " + rs.getLong(1));
                }
                c.commit();
            }
            check(c.isValid(2), "isValid (empty query)");
        }
        System.exit(fails == 0 ? 0 : 1);
    }

    static void meta(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            DatabaseMetaData md = c.getMetaData();
            String tables = "";
            try (ResultSet rs = md.getTables(null, null, "%", new String[] {"TABLE", "VIEW"})) {
                while (rs.next())
                    tables += rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + ":"
                            + rs.getString("TABLE_TYPE") + " ";
            }
            check(tables.contains("public.airlineStats:TABLE") && !tables.contains("pg_class"),
                  "getTables: " + tables.trim());
            int n = 0;
            String carrier = null;
            try (ResultSet rs = md.getColumns(null, "public", "airlineStats", "%")) {
                while (rs.next()) {
                    n++;
                    if (rs.getString("COLUMN_NAME").equals("Carrier"))
                        carrier = rs.getInt("DATA_TYPE") + "/" + rs.getString("TYPE_NAME") + "/"
                                + rs.getInt("ORDINAL_POSITION");
                }
            }
            check(n > 20 && carrier != null && carrier.startsWith(Types.VARCHAR + "/text/"),
                  "getColumns: " + n + " columns, Carrier " + carrier);
            String schemas = "";
            try (ResultSet rs = md.getSchemas()) {
                while (rs.next()) schemas += rs.getString(1) + " ";
            }
            check(schemas.contains("public"), "getSchemas: " + schemas.trim());
            try (ResultSet rs = md.getCatalogs()) {
                check(rs.next() && rs.getString(1).equals("default"), "getCatalogs");
            }
            try (ResultSet rs = md.getPrimaryKeys(null, null, "airlineStats")) {
                check(!rs.next(), "getPrimaryKeys: none");
            }
            try (ResultSet rs = md.getTypeInfo()) {
                int k = 0;
                while (rs.next()) k++;
                check(k > 10, "getTypeInfo: " + k + " types");
            }
        }
    }
}
