//! One page of a collection (users, groups) as list requests ask for it: filtered
//! by `$filter` and `$search`, in `$orderby`'s order or the store's (by id), after
//! the `$skiptoken`, with its nextLink and, when asked, `@odata.count`.

use super::paging;
use super::property::Field;
use super::query::Params;
use super::reply::GraphCtx;
use crate::state::{Entry, Orders, Store};

/// A page of `P::Object`s, the count of all that pass the query (if asked)
/// and the link to the next page (if more remain).
pub(crate) struct Listed<'a, T> {
    pub(crate) served: Vec<&'a T>,
    pub(crate) count: Option<usize>,
    pub(crate) next_link: Option<String>,
}

/// The page of `store` that `params` asks for, listing `path`; `None` for a
/// `$skiptoken` this query did not write. `orders` keeps the store's sort orders.
pub(crate) fn list<'a, P: Field>(
    store: &'a Store<P::Object>,
    orders: &Orders,
    params: &Params<P>,
    ctx: &GraphCtx,
    path: &str,
) -> Option<Listed<'a, P::Object>>
where
    P::Object: Entry,
{
    let (served, more) = page(store, orders, params, params.page_size(ctx))?;
    let count = params.counted(ctx).then(|| {
        if params.filter.is_none() && params.search.is_none() {
            store.all().len()
        } else {
            store.all().iter().filter(|o| params.matches(o)).count()
        }
    });
    let next_link = match served.last() {
        Some(last) if more => {
            let token = match &params.orderby {
                Some(order) => order.token(last),
                None => paging::list_token(last.id()),
            };
            Some(params.link(ctx, path, "$skiptoken", &token))
        }
        _ => None,
    };
    Some(Listed {
        served,
        count,
        next_link,
    })
}

/// How many objects of `store` pass the query (`/$count`).
pub(crate) fn count<P: Field>(store: &Store<P::Object>, params: &Params<P>) -> usize
where
    P::Object: Entry,
{
    store.all().iter().filter(|o| params.matches(o)).count()
}

/// Up to `size` objects passing the query after its `$skiptoken`, in `$orderby`'s
/// order or else the store's (by id), and whether more follow.
fn page<'a, P: Field>(
    store: &'a Store<P::Object>,
    orders: &Orders,
    params: &Params<P>,
    size: usize,
) -> Option<(Vec<&'a P::Object>, bool)>
where
    P::Object: Entry,
{
    let objects = store.all();
    let skiptoken = params.skiptoken.as_deref();
    if let Some(order) = &params.orderby {
        let (name, key) = order.ranking();
        let ranked = orders.get(name, store.seq(), objects, key);
        return order.page(objects, &ranked, |o| params.matches(o), skiptoken, size);
    }
    let after = match skiptoken {
        None => None,
        Some(token) => Some(paging::list_after(token)?),
    };
    let mut served = Vec::with_capacity(size.min(objects.len()));
    for object in objects[store.position_after(after)..]
        .iter()
        .filter(|o| params.matches(o))
    {
        if served.len() == size {
            return Some((served, true));
        }
        served.push(object);
    }
    Some((served, false))
}
