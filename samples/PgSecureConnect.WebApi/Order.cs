namespace PgSecureConnect.WebApi;

/// <summary>One row of the sample's <c>orders</c> table.</summary>
/// <param name="Id">The order number.</param>
/// <param name="Customer">Who ordered.</param>
/// <param name="Total">The amount.</param>
internal sealed record Order(int Id, string Customer, decimal Total);
