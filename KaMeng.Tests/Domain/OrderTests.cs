using KaMeng.Domain;

namespace KaMeng.Tests.Domain;

public class OrderTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    static Order NewOrder(DeliveryType type = DeliveryType.CardKey) =>
        Order.Place(OrderNumber.New(Now), 1, new Product { Id = 7, Name = "测试商品", DeliveryType = type }, 2, Money.FromFen(500), Now, TimeSpan.FromMinutes(15));

    [Fact]
    public void A_new_order_waits_for_payment_and_totals_exactly()
    {
        var order = NewOrder();
        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Equal(1000, order.Total.Fen);
        Assert.Equal(Now.AddMinutes(15), order.ExpiresAt);
    }

    [Fact]
    public void Paid_then_delivered()
    {
        var order = NewOrder();
        order.MarkPaid(PaymentMethod.Balance, Now);
        order.Deliver(Now);
        Assert.Equal(OrderStatus.Delivered, order.Status);
    }

    [Fact]
    public void Cannot_be_paid_twice()
    {
        var order = NewOrder();
        order.MarkPaid(PaymentMethod.Balance, Now);
        Assert.Throws<DomainException>(() => order.MarkPaid(PaymentMethod.Balance, Now));
    }

    [Fact]
    public void Cannot_deliver_before_payment() => Assert.Throws<DomainException>(() => NewOrder().Deliver(Now));

    [Fact]
    public void Unpaid_order_expires_after_the_payment_window()
    {
        var order = NewOrder();
        Assert.False(order.IsExpired(Now.AddMinutes(14)));
        Assert.True(order.IsExpired(Now.AddMinutes(15)));
        order.Cancel(Now.AddMinutes(15));
        Assert.Equal(OrderStatus.Cancelled, order.Status);
    }

    [Fact]
    public void Cancelled_order_cannot_be_refunded()
    {
        var order = NewOrder();
        order.Cancel(Now);
        Assert.False(order.CanRefund);
        Assert.Throws<DomainException>(() => order.Refund(Now));
    }

    [Fact]
    public void Order_numbers_are_unique_and_not_sequential()
    {
        var numbers = Enumerable.Range(0, 1000).Select(_ => OrderNumber.New(Now)).ToList();
        Assert.Equal(1000, numbers.Distinct().Count());
        Assert.All(numbers, n => Assert.True(OrderNumber.LooksValid(n)));
    }
}
