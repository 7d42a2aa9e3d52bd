"""dataprop: the node a data-property registration centre (数据产权登记机构) runs."""

__version__ = "0.1.0"
